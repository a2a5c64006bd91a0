/** `w3ai account create|show`: the account identity in the home and its record at the hub. */
import type { Command } from 'commander'
import { generateIdentity, readIdentity, writeIdentity } from '@w3ai/crypto'
import { W3aiError, type Account } from '@w3ai/protocol'
import { parseName } from '../args.js'
import { accountIdentityOf, asAccountIdentity, homeOf, hubClientOf, type CommonFlags } from '../context.js'
import { createOut } from '../output.js'
import { withCommon } from './common.js'
import { join } from 'node:path'
import { IDENTITY_FILE } from '@w3ai/crypto'

function describe(account: Account, created: boolean, file: string): string {
  return [
    `account     ${account.id}${created ? ' (created)' : ''}`,
    `public key  ${account.publicKey}`,
    `encryption  ${account.encryptionKey ?? '-'}`,
    `name        ${account.name ?? '-'}`,
    `created at  ${account.createdAt}`,
    `identity    ${file}`,
  ].join('\n')
}

export function registerAccountCommands(program: Command): void {
  const account = program.command('account').description('your account identity')

  withCommon(account.command('create'))
    .description('create <home>/identity.json if missing and register the account with the hub')
    .option('--name <name>', 'display name', parseName('--name'))
    .action(async (flags: CommonFlags & { name?: string }) => {
      const home = homeOf(flags)
      const hub = await hubClientOf(flags)
      let identity = await readIdentity(home)
      const newIdentity = identity === undefined
      if (identity === undefined) {
        identity = generateIdentity('account')
        await writeIdentity(home, identity)
      }
      identity = asAccountIdentity(identity, home)
      let record: Account
      let created = true
      try {
        record = await hub.createAccount({ encryptionKey: identity.encryptionKey, ...(flags.name === undefined ? {} : { name: flags.name }) }, identity)
      } catch (err) {
        if (!(err instanceof W3aiError && err.code === 'ACCOUNT_EXISTS')) throw err
        created = false
        record = await hub.me(identity)
      }
      const file = join(home, IDENTITY_FILE)
      createOut(flags.json === true).result({ ...record, created, identityCreated: newIdentity, identityFile: file }, () => describe(record, created, file))
    })

  withCommon(account.command('show'))
    .description('show the account of <home>/identity.json as the hub knows it')
    .action(async (flags: CommonFlags) => {
      const identity = await accountIdentityOf(flags)
      const hub = await hubClientOf(flags)
      const record = await hub.me(identity)
      const file = join(homeOf(flags), IDENTITY_FILE)
      createOut(flags.json === true).result({ ...record, identityFile: file }, () => describe(record, false, file))
    })
}

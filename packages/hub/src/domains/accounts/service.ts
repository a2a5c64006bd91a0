/** Accounts: one per ed25519 key; other domains ask whether an account exists before acting for it. */
import { idFromPublicKey } from '@w3ai/crypto'
import { W3aiError, type Account, type AccountCreate } from '@w3ai/protocol'
import type { AccountStore } from './store.js'

/** What other domains need to know about accounts. */
export interface AccountLookup {
  /** Throws ACCOUNT_NOT_FOUND unless the account exists. */
  requireAccount(id: string): Promise<void>
}

export class AccountService implements AccountLookup {
  constructor(private readonly store: AccountStore, private readonly onCreated: () => void = () => undefined) {}

  /** Creates the account of a public key; ACCOUNT_EXISTS when it already has one. */
  async create(publicKey: string, body: AccountCreate): Promise<Account> {
    const id = idFromPublicKey('account', publicKey)
    const account = await this.store.create(id, publicKey, body.encryptionKey ?? null, body.name ?? null)
    if (account === undefined) throw new W3aiError('ACCOUNT_EXISTS')
    this.onCreated()
    return account
  }

  async get(id: string): Promise<Account> {
    const account = await this.store.get(id)
    if (account === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
    return account
  }

  async requireAccount(id: string): Promise<void> {
    if ((await this.store.get(id)) === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
  }
}

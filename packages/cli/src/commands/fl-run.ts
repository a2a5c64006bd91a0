/**
 * `w3ai fl run|status|ls|stop|resume|save`: federated trainings of the account in
 * <home>/identity.json. `run --wait` follows the rounds live and, when the training ends with
 * trained parameters, exports the global model to ONNX here (the input scale built in) and stores
 * it in W3S under your account (the hub cannot sign or encrypt as you), recording its CID as the
 * training's modelCid so `w3ai model serve CID` can serve it.
 */
import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import { STORAGE_DEFAULTS, W3aiError, type FlConfig, type FlTraining, type Redundancy } from '@w3ai/protocol'
import { FederatedClient, StorageClient, type HubClient } from '@w3ai/sdk'
import { badArgument, parseRedundancy, parseWaitTimeout } from '../args.js'
import { EXIT_FAILURE } from '../constants.js'
import { accountIdentityOf, homeOf, hubClientOf, unreachableNote, type CommonFlags } from '../context.js'
import { createOut, ReportedFailure, table } from '../output.js'
import { withCommon } from './common.js'
import { answerRound, CkksOwner, loadOwnerFile, newOwnerKeys, saveOwnerFile } from './fl-owner.js'
import { flReporter } from './fl-progress.js'
import { describeTraining, flJson, trainingRow, TRAINING_COLUMNS } from './fl-views.js'
import { readJsonObject } from './job-inputs.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'
import { redundancyOf } from './storage.js'

interface StoreFlags extends CommonFlags {
  redundancy?: { k: number; n: number }
}

interface RunFlags extends StoreFlags {
  config: string
  wait?: boolean
  timeout?: number
  store: boolean
}

/** Default --timeout of `fl run --wait`, in seconds: trainings take longer than jobs. */
const FL_WAIT_TIMEOUT_S = 3600

export function checkTrainingId(id: string): string {
  if (!/^fl_[0-9a-f]{24}$/.test(id)) throw badArgument('ID', id, 'a training id like fl_0123… (`w3ai fl ls`)')
  return id
}

async function flClient(flags: CommonFlags): Promise<{ fl: FederatedClient; storage: StorageClient; hub: HubClient }> {
  const identity = await accountIdentityOf(flags)
  const hub = await hubClientOf(flags, identity)
  return { fl: new FederatedClient(hub), storage: new StorageClient(hub, identity), hub }
}

/**
 * Exports the training's global parameters to ONNX (the hub's, or under ckks the ones only this
 * machine holds), stores the file in W3S and records its CID on the training.
 */
export async function storeFederatedModel(fl: FederatedClient, storage: StorageClient, training: FlTraining, redundancy?: Redundancy, own?: Float32Array[]): Promise<FlTraining> {
  const parameters = own ?? (await fl.parameters(training.id)).parameters
  const { exportFederatedModel } = await import('@w3ai/node')
  const onnx = await exportFederatedModel(training.config.model, parameters, training.config.inputScale ?? 1)
  async function* once(): AsyncGenerator<Uint8Array> {
    yield onnx
  }
  const stored = await storage.put(once(), onnx.length, { name: `${training.id}.onnx`, ...(redundancy === undefined ? {} : { redundancy }) })
  return fl.setModel(training.id, stored.cid)
}

/** Prints a training, and fails the command (exit 1) unless it succeeded. */
function report(flags: CommonFlags, training: FlTraining): void {
  const out = createOut(flags.json === true)
  out.result(flJson(training), () => describeTraining(training))
  if (training.status === 'succeeded') return
  const error = training.error ?? { code: 'FL_INVALID_STATE', message: `Training ${training.id} was ${training.status} before its last round.` }
  if (!out.json) process.stderr.write(`error ${error.code}: ${error.message}\n`)
  throw new ReportedFailure(EXIT_FAILURE)
}

async function run(flags: RunFlags): Promise<void> {
  const config = (await readJsonObject(flags.config, '--config')) as unknown as FlConfig
  // A key of our own makes the request safe to send again after a lost answer.
  const body: FlConfig = { ...config, idempotencyKey: config.idempotencyKey ?? randomUUID().replaceAll('-', '') }
  const redundancy = redundancyOf(flags)
  const out = createOut(flags.json === true)
  const clients = await flClient(flags)
  // Under ckks the key pair is made here, and only the public key leaves this machine.
  const keys = body.secure === 'ckks' && body.ckksPublicKey === undefined ? await newOwnerKeys() : undefined
  if (keys !== undefined) body.ckksPublicKey = keys.publicKey as FlConfig['ckksPublicKey']
  const created = await clients.fl.create(body)
  if (keys !== undefined) await saveOwnerFile(homeOf(flags), { trainingId: created.id, ...keys, round: 0 })
  if (flags.wait !== true) {
    const owner = created.config.secure === 'ckks' ? `\nit runs under ckks: keep \`w3ai fl owner ${created.id}\` running to decrypt its rounds` : ''
    out.result(flJson(created), () => `started ${created.id} (${created.clients.length} clients, ${created.config.rounds} rounds)\nfollow it with \`w3ai fl status ${created.id}\`${owner}`)
    return
  }
  await follow(flags, clients, created, redundancy)
}

/** Follows a training to its end (answering its rounds when it runs under ckks), stores the model, reports. */
async function follow(flags: CommonFlags & { timeout?: number; store?: boolean }, { fl, storage, hub }: Awaited<ReturnType<typeof flClient>>, started: FlTraining, redundancy?: Redundancy): Promise<void> {
  const out = createOut(flags.json === true)
  const owner = started.config.secure === 'ckks' ? new CkksOwner(fl, hub, homeOf(flags), await loadOwnerFile(homeOf(flags), started.id)) : undefined
  const reporter = flReporter({ quiet: out.json })
  let ownerWork: Promise<unknown> = Promise.resolve()
  const onUpdate = (t: FlTraining): void => {
    reporter.onUpdate(t)
    if (owner !== undefined && t.awaitingOwner !== null && t.awaitingOwner !== undefined) {
      // One round at a time; a failed answer is told and tried again (answerRound).
      const failed = (err: unknown, attempt: number): void => out.note(`could not answer round ${t.awaitingOwner} (try ${attempt}): ${(err as Error).message}`)
      ownerWork = ownerWork.then(() => answerRound((x) => owner.step(x), () => fl.get(t.id), t, failed))
    }
  }
  let training: FlTraining
  try {
    training = await fl.wait(started.id, { timeoutMs: (flags.timeout ?? FL_WAIT_TIMEOUT_S) * 1000, onUpdate, follow: { onUnreachable: unreachableNote(flags) } })
    await ownerWork
  } finally {
    reporter.done()
  }
  const own = owner?.parameters
  if (training.status === 'succeeded' && flags.store !== false && (training.modelReady || own !== undefined) && training.modelCid === null) {
    out.note('exporting the model to ONNX and storing it in W3S…')
    training = await storeFederatedModel(fl, storage, training, redundancy, own)
  }
  report(flags, training)
}

const withStoreFlags = (cmd: Command): Command =>
  cmd.option('--redundancy <k/n>', `redundancy of the stored model (default: the hub fits it to the online nodes, ${STORAGE_DEFAULTS.k}/${STORAGE_DEFAULTS.n} with ${STORAGE_DEFAULTS.n} or more)`, parseRedundancy)

export function registerFlRunCommands(fl: Command): void {
  withStoreFlags(withCommon(fl.command('run')))
    .description('start a federated training from a JSON config (model, datasets, evaluation, rounds, strategy, …); --wait follows its rounds and stores the final model in W3S as ONNX')
    .requiredOption('--config <file>', 'the training config (see docs/api.md, POST /v1/fl/trainings)')
    .option('--wait', 'follow the rounds live (stderr) until the training ends; exit 1 unless it succeeded')
    .option('--timeout <seconds>', `with --wait, stop following after this long (default ${FL_WAIT_TIMEOUT_S}); the training goes on`, parseWaitTimeout)
    .option('--no-store', 'with --wait, do not export and store the final model')
    .action((flags: RunFlags) => run(flags))

  withCommon(fl.command('status'))
    .description('a training: status, rounds (accuracy, loss, participants, dropouts), model')
    .argument('<id>', 'the training id (`w3ai fl ls`)')
    .action(async (id: string, flags: CommonFlags) => {
      checkTrainingId(id)
      const training = await (await flClient(flags)).fl.get(id)
      createOut(flags.json === true).result(flJson(training), () => describeTraining(training))
    })

  withListOptions(withCommon(fl.command('ls')))
    .description('your trainings, newest first: the first 100, --limit N or --all (--json prints an array)')
    .action(async (flags: CommonFlags & ListFlags) => {
      const listed = await listWith(flags, (await flClient(flags)).fl)
      const trainings = listed.items
      createOut(flags.json === true).result(trainings.map(flJson), () => (trainings.length === 0 ? 'no trainings' : table(TRAINING_COLUMNS, trainings.map(trainingRow))))
      moreNote(listed, 'trainings', 'w3ai fl ls')
    })

  withCommon(fl.command('stop'))
    .description('stop a running training after its last finished round (resume goes on from there)')
    .argument('<id>', 'the training id')
    .action(async (id: string, flags: CommonFlags) => {
      checkTrainingId(id)
      const training = await (await flClient(flags)).fl.stop(id)
      createOut(flags.json === true).result(flJson(training), () => `stopped ${training.id} after round ${training.round}`)
    })

  withCommon(fl.command('resume'))
    .description('resume a stopped or failed training at the round after its last finished one')
    .argument('<id>', 'the training id')
    .action(async (id: string, flags: CommonFlags) => {
      checkTrainingId(id)
      const training = await (await flClient(flags)).fl.resume(id)
      createOut(flags.json === true).result(flJson(training), () => `resumed ${training.id} at round ${training.round + 1}`)
    })

  withStoreFlags(withCommon(fl.command('owner')))
    .description('under secure: ckks, decrypt each round of your training here and publish its next parameters, until it ends (what `fl run --wait` does); then store the model')
    .argument('<id>', 'the training id')
    .option('--timeout <seconds>', `stop after this long (default ${FL_WAIT_TIMEOUT_S}); the training waits for you`, parseWaitTimeout)
    .option('--no-store', 'do not export and store the final model')
    .action(async (id: string, flags: StoreFlags & { timeout?: number; store: boolean }) => {
      checkTrainingId(id)
      const clients = await flClient(flags)
      const training = await clients.fl.get(id)
      if (training.config.secure !== 'ckks') throw new W3aiError('FL_INVALID_STATE', `Training ${id} is not under secure: ckks; the hub aggregates it without you.`)
      await follow(flags, clients, training, redundancyOf(flags))
    })

  withStoreFlags(withCommon(fl.command('save')))
    .description("export a training's global model to ONNX and store it in W3S (what `fl run --wait` does at the end); prints its CID")
    .argument('<id>', 'the training id')
    .action(async (id: string, flags: StoreFlags) => {
      checkTrainingId(id)
      const { fl: client, storage } = await flClient(flags)
      const training = await client.get(id)
      const own = training.config.secure === 'ckks' ? new CkksOwner(client, (await flClient(flags)).hub, homeOf(flags), await loadOwnerFile(homeOf(flags), id)).parameters : undefined
      if (!training.modelReady && own === undefined) throw new W3aiError('FL_INVALID_STATE', `Training ${id} has not finished a round yet: there is no model to save.`)
      const saved = await storeFederatedModel(client, storage, training, redundancyOf(flags), own)
      createOut(flags.json === true).result(flJson(saved), () => `stored ${saved.modelCid} (serve it: \`w3ai model serve ${saved.modelCid}\`)`)
    })
}

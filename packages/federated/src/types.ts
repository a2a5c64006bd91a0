/**
 * The shapes every federated part shares, after Flower's strategy API: a model is a list of
 * float32 tensors (flattened, in layer order); a strategy configures each round's training and
 * evaluation and aggregates the replies.
 */

/** Model parameters: one flat Float32Array per tensor, in a fixed order all participants agree on. */
export type Parameters = Float32Array[]

/** Scalar configuration or metrics sent with instructions and replies. */
export type Scalars = Record<string, number | string | boolean>
export type Metrics = Record<string, number>

/** The clients a round may use (ids of participants that are online and hold a compatible dataset). */
export interface ClientPool {
  readonly ids: readonly string[]
}

/** What one client is asked to do in a training round (it trains from `parameters`). */
export interface TrainInstruction {
  clientId: string
  parameters: Parameters
  config: Scalars
}

/** A client's training reply: its new parameters (not a delta), how many examples it used, its metrics. */
export interface TrainReply {
  clientId: string
  parameters: Parameters
  numExamples: number
  metrics: Metrics
}

export interface EvaluateInstruction {
  clientId: string
  parameters: Parameters
  config: Scalars
}

export interface EvaluateReply {
  clientId: string
  loss: number
  numExamples: number
  metrics: Metrics
}

/** A round's aggregate: the new global parameters (undefined: keep the old ones) and metrics. */
export interface Aggregate {
  parameters: Parameters | undefined
  metrics: Metrics
}

/** A seeded source of uniform numbers in [0, 1): sampling and noise are reproducible from a seed. */
export type Random = () => number

/**
 * A federated strategy (Flower's `Strategy`): configureTrain / aggregateTrain / configureEvaluate /
 * aggregateEvaluate. Strategies keep their own state between rounds (momentum, optimizer moments).
 */
export interface Strategy {
  readonly name: string
  /** Picks the clients for `round` and what each is told. */
  configureTrain(round: number, parameters: Parameters, pool: ClientPool, random: Random): TrainInstruction[]
  /** Folds the replies (and the count of clients that failed) into new global parameters. */
  aggregateTrain(round: number, current: Parameters, replies: readonly TrainReply[], failures: number): Aggregate
  configureEvaluate(round: number, parameters: Parameters, pool: ClientPool, random: Random): EvaluateInstruction[]
  aggregateEvaluate(round: number, replies: readonly EvaluateReply[], failures: number): Metrics
  /**
   * Present on strategies whose aggregate depends on the replies only through their
   * example-weighted mean (FedAvg and the server-optimizer family): secure aggregation computes
   * that mean without seeing any single reply and hands it here.
   */
  readonly linear?: LinearAggregation
}

export interface LinearAggregation {
  /** New global parameters from the example-weighted mean of the clients' parameters. */
  fromMean(round: number, current: Parameters, mean: Parameters, totalExamples: number, clients: number): Aggregate
}

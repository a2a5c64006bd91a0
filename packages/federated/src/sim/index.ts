/**
 * The simulation kit: `runSimulation({ strategy, clients, test, rounds, seed })` trains a small
 * MLP or softmax regression across in-process clients and scores each round, for tests, benches
 * and trying strategies without a devnet.
 */
export { runSimulation, type SimulationOptions, type SimulationResult, type SimulationRound } from './run.js'
export { trainLocally, DEFAULT_TRAIN_SETTINGS, type TrainSettings } from './trainer.js'
export { poison, DEFAULT_RANDOM_STDDEV, DEFAULT_SCALE_FACTOR, type Attack, type AttackKind } from './attacks.js'
export { evaluate, initParameters, sgdStep, toLayers, toParameters, type Layers, type ModelSpec } from './model.js'
export { classCount, numericCsv, subset, trainTestSplit, type LabelledData } from './data.js'

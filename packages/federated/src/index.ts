export * from './types.js'
export * from './aggregate.js'
export * from './sampling.js'
export * from './strategies/index.js'

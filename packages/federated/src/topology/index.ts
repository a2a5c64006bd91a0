/**
 * Topologies for decentralized federated learning (specs/multigraph.md): read a network (GML),
 * build a ring, star or MST overlay with the multigraph's strong and weak edges, ask each round's
 * averaging plan, and evaluate the cycle time the multigraph paper reports.
 *
 * @example
 * const topology = buildTopology(parseGml(text), { overlay: 'ring', modelBits: 4_843_243, computeMs: 4.6 })
 * const plan = mixingPlan(topology, round) // per silo: whose models, with which weights
 * const { cycleTimeMs } = cycleTime(topology, 6400)
 */
export { parseGml, type Link, type Network, type Site } from './gml.js'
export { connectivity, edgeDelayMs, type Connectivity, type DelayOptions } from './connectivity.js'
export { christofidesTour } from './christofides.js'
export { minWeightPerfectMatching, EXACT_MATCHING_MAX } from './matching.js'
export { minimumSpanningTree } from './spanning-tree.js'
export { betweennessCentre, closenessCentre, mstArcs, ringArcs, starArcs, OVERLAY_KINDS, type Arc, type OverlayKind } from './overlay.js'
export { isStrong, mixingPlan, multigraph, stateOfRound, topologyState, type MixingTerm, type Topology, type TopologyEdge, type TopologyState } from './multigraph.js'
export { maxCycleMean, maxCycleMeanSolver, type WeightedArc } from './max-cycle-mean.js'
export { cycleTime, type CycleTime } from './cycle-time.js'
export { buildTopology, topologyFromDelays, type TopologyOptions } from './build.js'
export { TOPOLOGY_DEFAULTS } from './constants.js'

/**
 * The multigraph rules of @w3ai/federated (which edges are strong in a state, which silos are
 * isolated, which state a round uses), taken from its topology module alone: the package's index
 * also exports secure aggregation, which needs node:crypto and cannot go into the page. Until the
 * package exports the module as `@w3ai/federated/topology`, it is imported by path.
 */
export { stateOfRound, topologyState, type Topology, type TopologyEdge, type TopologyState } from '../../../federated/src/topology/multigraph.js'

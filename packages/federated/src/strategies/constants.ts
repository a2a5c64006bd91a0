/** Defaults of every strategy option, in one place (Flower's defaults unless noted). */

/** Share of available clients asked to train each round. */
export const DEFAULT_FRACTION_TRAIN = 1
/** Share of available clients asked to evaluate each round (0: no federated evaluation). */
export const DEFAULT_FRACTION_EVALUATE = 1
/** A round trains on at least this many clients. */
export const DEFAULT_MIN_TRAIN_CLIENTS = 2
/** A round evaluates on at least this many clients. */
export const DEFAULT_MIN_EVALUATE_CLIENTS = 2
/** A round does not start with fewer clients online. */
export const DEFAULT_MIN_AVAILABLE_CLIENTS = 2
/** Aggregate the replies that came even when some clients failed. */
export const DEFAULT_ACCEPT_FAILURES = true
/** Fewer replies than this leave the parameters unchanged (not a Flower option). */
export const DEFAULT_MIN_TRAIN_REPLIES = 1

/** FedAvgM: server learning rate and momentum. */
export const DEFAULT_SERVER_LEARNING_RATE = 1
export const DEFAULT_SERVER_MOMENTUM = 0

/** FedProx: weight of the proximal term μ/2·‖w − w_global‖² (Flower has no default; 0.01 is common in the paper's runs). */
export const DEFAULT_PROXIMAL_MU = 0.01

/** FedAdagrad / FedAdam / FedYogi (Reddi et al. 2021, Flower's FedOpt defaults). */
export const DEFAULT_ETA = 0.1
export const DEFAULT_BETA_1 = 0.9
export const DEFAULT_BETA_2 = 0.99
export const DEFAULT_TAU = 1e-9
/** FedYogi's own defaults in Flower: a smaller server step and a larger τ. */
export const DEFAULT_YOGI_ETA = 0.01
export const DEFAULT_YOGI_TAU = 1e-3

/** QFedAvg: fairness q and the clients' learning rate used to turn updates into gradients. */
export const DEFAULT_Q = 0.2
export const DEFAULT_QFFL_LEARNING_RATE = 0.1

/** FedTrimmedAvg: share cut from each end of every coordinate. */
export const DEFAULT_TRIM_BETA = 0.2

/** Krum, Multi-Krum and Bulyan: Byzantine clients tolerated. */
export const DEFAULT_BYZANTINE = 0

/** Defaults of the federated domain's background parts. */
export const FL_HUB_DEFAULTS = {
  /** How often the coordinator takes and renews training leases. */
  coordinatorTickMs: 1000,
  /** A training whose coordinator has not renewed its lease for this long is taken over by another hub. */
  coordinatorLeaseMs: 15_000,
  /** Trainings one hub coordinates at once. */
  maxTrainings: 32,
  /** How often a round looks for answers that reached another hub. */
  answerPollMs: 250,
  /** Under ckks, how long a round waits for the owner's client to publish the next parameters. */
  ownerTimeoutMs: 30 * 60_000,
} as const

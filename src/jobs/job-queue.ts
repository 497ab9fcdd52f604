/** What commands may schedule after commit; the Agenda scheduler implements it. */
export interface JobQueue {
  /** Schedules `sla:deliver` for each delivery (one job per event × target), at `at` or now. */
  enqueueDeliveries(deliveryIds: string[], at?: Date): Promise<void>;
}

/** For processes or tests without a scheduler: the worker's sweep picks the deliveries up. */
export const noJobQueue: JobQueue = {
  enqueueDeliveries: async () => undefined,
};

/** Node datasets: what each node announces at registration replaces what it announced before. */
import { W3aiError, type DatasetListQuery, type NodeDataset, type NodeRegistration } from '@w3ai/protocol'
import type { DatasetStore } from './dataset-store.js'

export class DatasetService {
  constructor(private readonly store: DatasetStore) {}

  /** Records a registration's datasets (a node that sends none keeps what it had); duplicate names are refused. */
  async announce(nodeId: string, registration: NodeRegistration): Promise<void> {
    const datasets = registration.datasets
    if (datasets === undefined) return
    const seen = new Set<string>()
    for (const d of datasets) {
      if (seen.has(d.name)) throw new W3aiError('VALIDATION_FAILED', `The registration names dataset ${d.name} twice; dataset names are unique per node.`, { dataset: d.name })
      seen.add(d.name)
    }
    await this.store.replace(nodeId, datasets)
  }

  list(query: DatasetListQuery): Promise<{ datasets: NodeDataset[]; nextCursor: string | null }> {
    return this.store.list(query)
  }
}

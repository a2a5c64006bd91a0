/** Read-only views of the network: `w3ai status` and `w3ai nodes`. */
import type { Command } from 'commander'
import type { Executor, NodeInfo, NodeListQuery, NodeStatus } from '@w3ai/protocol'
import { listPage } from '@w3ai/sdk'
import { parseExecutor, parseRegion, parseStatus } from '../args.js'
import { hubClientOf, type CommonFlags } from '../context.js'
import { createOut, table } from '../output.js'
import { withCommon } from './common.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'

interface NodesFlags extends CommonFlags {
  status?: NodeStatus
  region?: string
  executor?: Executor
}

const gb = (n: number): string => `${Math.round(n * 10) / 10}`

function nodeRow(n: NodeInfo): string[] {
  const gpus = n.capabilities.gpus.map((g) => `${g.model} ${g.memoryGb}G`).join(', ')
  return [
    n.id,
    n.name,
    n.status,
    n.region,
    n.location.city ?? '',
    String(n.capabilities.cpuCores),
    gb(n.capabilities.memoryGb),
    gb(n.capabilities.diskGb),
    gpus === '' ? '-' : gpus,
    n.load === null ? '-' : `${Math.round(n.load.cpuPercent)}%`,
  ]
}

export function registerInfoCommands(program: Command): void {
  withCommon(program.command('status'))
    .description('hub health and a summary of the network')
    .action(async (flags: CommonFlags) => {
      const client = await hubClientOf(flags)
      const url = client.url
      const [health, summary] = await Promise.all([client.health(), client.networkSummary()])
      createOut(flags.json === true).result({ hub: url, health, summary }, () => {
        const c = summary.capacity
        return [
          `hub       ${url} (${health.status}, ${health.database}, version ${health.version}, up ${Math.round(health.uptimeSec)} s)`,
          `dashboard ${url}/`,
          `nodes     ${summary.nodes.total} total: ${summary.nodes.online} online, ${summary.nodes.suspect} suspect, ${summary.nodes.offline} offline`,
          `capacity  ${gb(c.cpuCores)} cores, ${gb(c.memoryGb)} GB memory, ${c.gpus} GPUs (${gb(c.gpuMemoryGb)} GB), ${gb(c.diskUsedGb)}/${gb(c.diskGb)} GB disk used`,
          ...(summary.regions.length === 0 ? [] : [`regions   ${summary.regions.map((r) => `${r.region} ${r.online}/${r.nodes}`).join(', ')}`]),
        ].join('\n')
      })
    })

  withListOptions(withCommon(program.command('nodes')))
    .description('list nodes known to the hub, by id: the first 100, --limit N or --all (--json prints an array)')
    .option('--status <status>', 'online, suspect or offline', parseStatus)
    .option('--region <region>', 'only this region', parseRegion)
    .option('--executor <executor>', 'only nodes offering this executor', parseExecutor)
    .action(async (flags: NodesFlags & ListFlags) => {
      const client = await hubClientOf(flags)
      const query: Omit<NodeListQuery, 'cursor' | 'limit'> = {}
      if (flags.status !== undefined) query.status = flags.status
      if (flags.region !== undefined) query.region = flags.region
      if (flags.executor !== undefined) query.executor = flags.executor
      const listed = await listWith(flags, {
        list: async (page) => {
          const r = await client.listNodes({ ...query, ...page })
          return listPage(r.nodes, r.nextCursor)
        },
        all: (page) => client.iterateNodes({ ...query, ...page }),
      })
      const nodes = listed.items
      createOut(flags.json === true).result(nodes, () =>
        nodes.length === 0
          ? 'no nodes'
          : table(['ID', 'NAME', 'STATUS', 'REGION', 'CITY', 'CPU', 'MEM GB', 'DISK GB', 'GPUS', 'LOAD'], nodes.map(nodeRow)),
      )
      moreNote(listed, 'nodes', 'w3ai nodes')
    })
}

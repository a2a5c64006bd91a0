// One fleet of simulated nodes in its own process, driven over IPC by bench/scale.ts.
import { Fleet, type FleetOptions } from './node-sim.js'

type Command =
  | { cmd: 'init'; options: FleetOptions }
  | { cmd: 'open'; deadline: number }
  | { cmd: 'claims' }
  | { cmd: 'stats' }
  | { cmd: 'reset' }
  | { cmd: 'kill'; indexes: number[]; mode: 'silent' | 'close' }
  | { cmd: 'stop' }

let fleet: Fleet | undefined
const reply = (msg: unknown): void => void process.send?.(msg)

process.on('message', (raw) => {
  const m = raw as Command
  switch (m.cmd) {
    case 'init':
      fleet = new Fleet(m.options)
      reply({ type: 'keys', keys: fleet.publicKeys() })
      break
    case 'open':
      void fleet!.open(m.deadline).then(() => reply({ type: 'opened', stats: fleet!.snapshot() }))
      break
    case 'claims':
      fleet!.startClaims()
      reply({ type: 'ok' })
      break
    case 'stats':
      reply({ type: 'stats', stats: fleet!.snapshot() })
      break
    case 'reset':
      fleet!.resetLoopDelay()
      reply({ type: 'ok' })
      break
    case 'kill':
      reply({ type: 'killed', at: fleet!.kill(m.indexes, m.mode) })
      break
    case 'stop':
      fleet?.stop()
      reply({ type: 'ok' })
      setTimeout(() => process.exit(0), 50)
      break
  }
})
process.on('disconnect', () => {
  fleet?.stop()
  process.exit(0)
})

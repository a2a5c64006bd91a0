import { describe, expect, it } from 'vitest'
import { Lifecycle } from '../src/index.js'
import { startTestHub } from './helpers.js'

/** One lifecycle: components start in order, stop in reverse, once, even when one of them fails. */
describe('lifecycle', () => {
  const recorder = () => {
    const log: string[] = []
    const part = (name: string, failStop = false) => ({
      start: async () => void log.push(`start ${name}`),
      stop: async () => {
        log.push(`stop ${name}`)
        if (failStop) throw new Error(`${name} failed`)
      },
    })
    return { log, part }
  }

  it('starts in order and stops in reverse, once', async () => {
    const { log, part } = recorder()
    const life = new Lifecycle()
    life.add('db', part('db'))
    life.add('bus', part('bus'))
    life.add('http', part('http'))
    await life.start()
    await Promise.all([life.stop(), life.stop()])
    await life.stop()
    expect(log).toEqual(['start db', 'start bus', 'start http', 'stop http', 'stop bus', 'stop db'])
  })

  it('stops every component when one fails to stop, and reports it', async () => {
    const { log, part } = recorder()
    const failures: string[] = []
    const life = new Lifecycle((_err, name) => void failures.push(name))
    life.add('db', part('db'))
    life.add('bus', part('bus', true))
    life.add('http', part('http'))
    await life.start()
    await life.stop()
    expect(log.filter((l) => l.startsWith('stop'))).toEqual(['stop http', 'stop bus', 'stop db'])
    expect(failures).toEqual(['bus'])
  })

  it('stops what started when a later component fails to start', async () => {
    const { log, part } = recorder()
    const life = new Lifecycle()
    life.add('db', part('db'))
    life.add('broken', { start: async () => Promise.reject(new Error('no')) })
    life.add('http', part('http'))
    await expect(life.start()).rejects.toThrow('no')
    expect(log).toEqual(['start db', 'stop db'])
  })

  it('stops an adopted (already running) component with the others, even when start never ran', async () => {
    const { log, part } = recorder()
    const life = new Lifecycle()
    life.adopt('db', { stop: async () => void log.push('stop db') })
    life.add('http', part('http'))
    await life.stop()
    expect(log).toEqual(['stop db'])
  })

  it('lets a hub stop twice and closes its port', async () => {
    const t = await startTestHub('pglite')
    const url = t.hub.url
    expect((await fetch(url + '/v1/health')).status).toBe(200)
    await t.hub.stop()
    await t.hub.stop()
    await expect(fetch(url + '/v1/health')).rejects.toThrow()
    await t.close()
  })

  it('answers inject without binding a port when started with listen: false', async () => {
    const t = await startTestHub('pglite', { listen: false })
    expect(t.hub.url).toBe('')
    expect(t.hub.app.server.listening).toBe(false)
    expect((await t.hub.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200)
    await t.close()
  })
})

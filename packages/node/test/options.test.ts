import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { resolveConfig } from '../src/options.js'

const machine = { cpuCores: 8, memoryGb: 32, diskGb: 100 }

describe('agent options', () => {
  it('fills defaults from the machine and constants', () => {
    const c = resolveConfig({ home: '/h', hubUrl: 'http://127.0.0.1:7420/' }, machine)
    expect(c.hubUrl).toBe('http://127.0.0.1:7420')
    expect(c.capabilities).toEqual({ cpuCores: 8, memoryGb: 32, diskGb: 100, gpus: [], executors: ['he', 'onnx', 'train', 'wasm'] })
    expect(c.location).toEqual({ lat: 0, lon: 0, region: 'local' })
    expect(c.reconnect).toEqual({ initialMs: 250, maxMs: 5000, jitter: 0.2 })
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('keeps what the operator configured', () => {
    const c = resolveConfig(
      { home: '/h', hubUrl: 'http://hub', cpu: 2, memoryGb: 4, diskGb: 50, gpus: [{ model: 'NVIDIA RTX 4090', memoryGb: 24 }], location: { lat: 48.85, lon: 2.35 }, region: 'eu-west', city: 'Paris' },
      machine,
    )
    expect(c.capabilities.gpus).toEqual([{ model: 'NVIDIA RTX 4090', memoryGb: 24 }])
    expect(c.location).toEqual({ lat: 48.85, lon: 2.35, region: 'eu-west', city: 'Paris' })
  })

  it('takes several hubs, as a list or comma-separated, in order and without repeats', () => {
    expect(resolveConfig({ home: '/h', hubUrl: 'http://a:1/, http://b:2,http://a:1' }, machine).hubs).toEqual(['http://a:1', 'http://b:2'])
    const c = resolveConfig({ home: '/h', hubs: ['https://hub-1.example', 'https://hub-2.example/'] }, machine)
    expect(c.hubs).toEqual(['https://hub-1.example', 'https://hub-2.example'])
    expect(c.hubUrl).toBe('https://hub-1.example')
  })

  it.each([
    [{ hubUrl: 'not a url' }],
    [{ hubUrl: 'http://a:1,ftp://b' }],
    [{ hubUrl: '' }],
    [{ port: 70000 }],
    [{ cpu: 0 }],
    [{ location: { lat: 91, lon: 0 } }],
    [{ orderKey: 'not-a-key' }],
    [{ region: 'EU West' }],
    [{ reconnect: { initialMs: 0 } }],
  ])('refuses %j with VALIDATION_FAILED', (bad) => {
    const attempt = (): unknown => resolveConfig({ home: '/h', hubUrl: 'http://hub', ...bad }, machine)
    expect(attempt).toThrow(W3aiError)
    try {
      attempt()
    } catch (err) {
      expect((err as W3aiError).code).toBe('VALIDATION_FAILED')
    }
  })
})

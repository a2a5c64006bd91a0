import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, W3aiError, isErrorCode, type ErrorCode } from '../src/index.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const codes = Object.keys(ERROR_CODES) as ErrorCode[]

async function sources(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sources(path)))
    else if (/\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

describe('the error code table', () => {
  it('gives every code an error status and a message that says what to do', () => {
    for (const code of codes) {
      const { status, message } = ERROR_CODES[code]
      expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]+$/)
      expect(Number.isInteger(status) && status >= 400 && status <= 599, `${code} status ${status}`).toBe(true)
      expect(message.length, code).toBeGreaterThan(10)
      expect(message, code).toMatch(/[.)?]$/)
    }
  })

  it('holds every code the packages throw or compare against', async () => {
    const files = (await Promise.all((await readdir(join(root, 'packages'))).map((p) => sources(join(root, 'packages', p, 'src')).catch(() => [])))).flat()
    const used = new Set<string>()
    // new W3aiError('X'…), executorError('X'…), code: 'X', code === 'X'
    const patterns = [/W3aiError\(\s*'([A-Z][A-Z0-9_]+)'/g, /[eE]rror\(\s*'([A-Z][A-Z0-9_]+)'/g, /code(?:\s*===\s*|:\s*)'([A-Z][A-Z0-9_]{3,})'/g]
    for (const file of files) {
      const text = await readFile(file, 'utf8')
      for (const re of patterns) for (const m of text.matchAll(re)) used.add(m[1] as string)
    }
    expect(used.size).toBeGreaterThan(20)
    // Socket, HTTP parser and library codes compared in client code are not w3ai codes.
    const foreign = /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_[A-Z_]+|HPE_[A-Z_]+|CSV_[A-Z_]+)$/
    const unknown = [...used].filter((c) => !foreign.test(c) && !isErrorCode(c)).sort()
    expect(unknown).toEqual([])
  })

  it('documents every code in docs/api.md with its status and message', async () => {
    const doc = await readFile(join(root, 'docs', 'api.md'), 'utf8')
    const missing = codes.filter((code) => !doc.includes(`| \`${code}\` | ${ERROR_CODES[code].status} | ${ERROR_CODES[code].message} |`))
    expect(missing).toEqual([])
  })

  it('W3aiError carries the code, status and message, and its body has the documented shape', () => {
    const e = new W3aiError('JOB_NOT_FOUND')
    expect([e.code, e.status, e.message, e.name]).toEqual(['JOB_NOT_FOUND', 404, ERROR_CODES.JOB_NOT_FOUND.message, 'W3aiError'])
    expect(new W3aiError('VALIDATION_FAILED', 'bad size', { field: 'size' }).toBody('r-1')).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'bad size', details: { field: 'size' }, requestId: 'r-1' },
    })
    expect(e.toBody()).toEqual({ error: { code: 'JOB_NOT_FOUND', message: ERROR_CODES.JOB_NOT_FOUND.message } })
  })

  it('isErrorCode accepts table codes only, not inherited keys', () => {
    expect(isErrorCode('HUB_UNREACHABLE')).toBe(true)
    for (const v of ['toString', '__proto__', 'hub_unreachable', '', 42, undefined]) expect(isErrorCode(v)).toBe(false)
  })
})

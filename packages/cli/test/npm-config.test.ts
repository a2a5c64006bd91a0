import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

describe('npm configuration of the repository', () => {
  it('prints no "Unknown project config" warning on an npm command', async () => {
    const { stderr } = await promisify(execFile)('npm', ['pkg', 'get', 'name'], { cwd: root })
    expect(stderr).not.toMatch(/Unknown (project|user|env) config/)
  })

  it("never runs onnxruntime-node's install script (it downloads CUDA binaries) but builds the reed-solomon addon", async () => {
    const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { allowScripts?: Record<string, boolean> }
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false)
    expect(pkg.allowScripts?.['@ronomon/reed-solomon']).toBe(true)
  })
})

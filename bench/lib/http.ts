/**
 * A lean keep-alive HTTP client for load generation (node:http), so the benchmark measures the
 * hub rather than the client's fetch machinery. Signs like the SDK does.
 */
import { Agent, request } from 'node:http'
import { signRequest, type Identity } from '@w3ai/crypto'

export class LoadClient {
  private readonly agent: Agent
  private readonly host: string
  private readonly port: number

  constructor(baseUrl: string, sockets: number) {
    const u = new URL(baseUrl)
    this.host = u.hostname
    this.port = Number(u.port)
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets })
  }

  /** Sends one request; resolves with the status code (the body is drained and dropped). */
  send(method: string, path: string, body?: string, identity?: Pick<Identity, 'publicKey' | 'signingKey'>): Promise<number> {
    const headers: Record<string, string> = {}
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = String(Buffer.byteLength(body))
    }
    if (identity !== undefined) Object.assign(headers, signRequest(identity, method, path, body))
    return new Promise((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

/**
 * Turns every failure into the one error shape `{ error: { code, message, details?, requestId } }`
 * with a stable code, whether it came from our code, schema validation, Fastify or Node's HTTP
 * parser. Logs carry the code and, for internal errors, the error's name, code and stack only:
 * never request bodies, parameters or the query parameters a database error may hold.
 */
import type { Socket } from 'node:net'
import { ERROR_CODES, W3aiError } from '@w3ai/protocol'
import type { FastifyError, FastifyInstance } from 'fastify'

const FASTIFY_CODES: Record<string, W3aiError['code']> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'INVALID_URL',
}

export function toW3aiError(err: FastifyError | W3aiError | Error): W3aiError {
  if (err instanceof W3aiError) return err
  const fe = err as FastifyError
  if (fe.validation !== undefined) {
    const details = fe.validation.map((v) => ({ path: `${fe.validationContext ?? ''}${v.instancePath}`, message: v.message }))
    const first = details[0]
    return new W3aiError('VALIDATION_FAILED', first === undefined ? fe.message : `${first.path || 'request'} ${first.message}`, details)
  }
  const mapped = fe.code === undefined ? undefined : FASTIFY_CODES[fe.code]
  if (mapped !== undefined) return new W3aiError(mapped)
  if (fe.statusCode === 413) return new W3aiError('PAYLOAD_TOO_LARGE')
  if (fe.statusCode === 415) return new W3aiError('UNSUPPORTED_MEDIA_TYPE')
  if (fe instanceof SyntaxError || fe.statusCode === 400) return new W3aiError('VALIDATION_FAILED', fe.message)
  return new W3aiError('INTERNAL')
}

/** What may be logged of an error: its kind, code, message and stack, nothing it carries along. */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err }
  const code = (err as { code?: unknown }).code
  return { type: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message.slice(0, 500), stack: err.stack }
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = toW3aiError(err)
    if (e.code === 'INTERNAL') request.log.error({ err: loggableError(err) }, 'request failed')
    else request.log.info({ code: e.code }, 'request refused')
    void reply.status(e.status).send(e.toBody(request.id))
  })
}

/** The JSON error answer written straight to a socket, for requests Node refuses before Fastify sees them. */
export function rawErrorResponse(code: W3aiError['code'], message?: string): string {
  const { status } = ERROR_CODES[code]
  const body = JSON.stringify(new W3aiError(code, message).toBody())
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' }[status as 400] ?? 'Error'
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

/** Fastify's clientErrorHandler: malformed HTTP, oversized headers and bad lengths get the error body too. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') socket.end(rawErrorResponse('HEADERS_TOO_LARGE'))
  else if (err.code === 'HPE_INVALID_CONTENT_LENGTH' || err.code === 'HPE_UNEXPECTED_CONTENT_LENGTH') socket.end(rawErrorResponse('INVALID_CONTENT_LENGTH'))
  else socket.end(rawErrorResponse('VALIDATION_FAILED', 'The request is not well-formed HTTP/1.1.'))
}

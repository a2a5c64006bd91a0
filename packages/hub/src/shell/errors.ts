/**
 * Turns every failure into the one error shape `{ error: { code, message, details?, requestId } }`
 * with a stable code, whether it came from our code, schema validation or Fastify itself.
 */
import { W3aiError } from '@w3ai/protocol'
import type { FastifyError, FastifyInstance } from 'fastify'

const FASTIFY_CODES: Record<string, W3aiError['code']> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
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

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = toW3aiError(err)
    if (e.code === 'INTERNAL') request.log.error({ err }, 'request failed')
    else request.log.info({ code: e.code }, 'request refused')
    void reply.status(e.status).send(e.toBody(request.id))
  })
}

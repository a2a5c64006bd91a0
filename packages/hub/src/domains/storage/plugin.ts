/** The storage domain under /v1/storage: uploads, objects and shares, all signed by an account. */
import type { FastifyPluginAsync } from 'fastify'
import { storageRoutes } from './routes.js'
import type { StorageService } from './service.js'

export interface StoragePluginOptions {
  storage: StorageService
}

export const STORAGE_PREFIX = '/v1/storage'

export const storagePlugin: FastifyPluginAsync<StoragePluginOptions> = async (app, options) => {
  await app.register(storageRoutes, { ...options, prefix: STORAGE_PREFIX })
}

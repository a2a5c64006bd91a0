/**
 * Great-circle distances. Nodes are stored as unit vectors, so a distance needs one square root
 * and one arcsine: the haversine term sin²(Δσ/2) equals a quarter of the squared chord length.
 */
import { EARTH_RADIUS_KM } from './constants.js'
import type { GeoPoint } from './types.js'

const RAD = Math.PI / 180

/** Haversine distance in km between two points given in degrees. */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD
  const dLon = (b.lon - a.lon) * RAD
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Writes the unit vector of a point into `out` at `offset` (x, y, z). */
export function toUnitVector(point: GeoPoint, out: Float64Array, offset: number): void {
  const lat = point.lat * RAD
  const lon = point.lon * RAD
  const c = Math.cos(lat)
  out[offset] = c * Math.cos(lon)
  out[offset + 1] = c * Math.sin(lon)
  out[offset + 2] = Math.sin(lat)
}

/** Great-circle km from a squared chord length between unit vectors (haversine: h = chord² / 4). */
export function chordSquaredToKm(chord2: number): number {
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(chord2) / 2))
}

/**
 * The offline world map: Natural Earth 1:110m countries bundled from `world-atlas` and drawn with
 * d3-geo, never fetched from a tile server (dashboards run on closed networks too). The projection
 * is fixed, so markers can be placed at once; the ~100 kB of country geometry is a separate chunk
 * so the first paint does not wait for it.
 */
import { geoGraticule10, geoNaturalEarth1, geoPath, type GeoPermissibleObjects } from 'd3-geo'
import { feature, mesh } from 'topojson-client'

/** SVG user-space size of the map; the element scales it to its box. */
export const MAP_WIDTH = 960
export const MAP_HEIGHT = 400

const SPHERE = { type: 'Sphere' } as const
// Fit the inhabited latitudes (58° S to 84° N) rather than the whole sphere: Antarctica hosts no
// nodes, and the wider frame leaves more room for the table on a laptop screen.
const FRAME: GeoPermissibleObjects = { type: 'MultiPoint', coordinates: [[-180, 0], [180, 0], [0, 84], [0, -58]] }
const projection = geoNaturalEarth1().fitExtent([[4, 4], [MAP_WIDTH - 4, MAP_HEIGHT - 4]], FRAME)
const path = geoPath(projection)

/** Outline of the globe and the 10° graticule, cheap enough to compute eagerly. */
export const SPHERE_PATH = path(SPHERE) ?? ''
export const GRATICULE_PATH = path(geoGraticule10()) ?? ''

/** Map position of a lon/lat, or null when the projection cannot place it. */
export function project(lon: number, lat: number): [number, number] | null {
  return projection([lon, lat])
}

export interface Countries {
  land: string
  borders: string
}

type Topology = Parameters<typeof feature>[0]
type GeometryObject = Parameters<typeof mesh>[1]

/** Loads the country geometry chunk and projects it to SVG paths. */
export async function loadCountries(): Promise<Countries> {
  const { default: raw } = await import('world-atlas/countries-110m.json')
  const topology = raw as unknown as Topology
  const countries = (topology.objects as Record<string, GeometryObject>)['countries']
  if (countries === undefined) throw new Error('world-atlas has no countries object')
  return {
    land: path(feature(topology, countries)) ?? '',
    // Only borders shared by two countries, so coastlines are not stroked twice.
    borders: path(mesh(topology, countries, (a, b) => a !== b)) ?? '',
  }
}

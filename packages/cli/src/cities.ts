/** Where devnet nodes pretend to be and what they pretend to have, so the map and router have variety. */
import type { Gpu } from '@w3ai/protocol'

export interface City {
  city: string
  region: string
  lat: number
  lon: number
}

export const CITIES: readonly City[] = [
  { city: 'Frankfurt', region: 'eu-central', lat: 50.11, lon: 8.68 },
  { city: 'New York', region: 'us-east', lat: 40.71, lon: -74.01 },
  { city: 'Tokyo', region: 'ap-northeast', lat: 35.68, lon: 139.69 },
  { city: 'São Paulo', region: 'sa-east', lat: -23.55, lon: -46.63 },
  { city: 'Johannesburg', region: 'af-south', lat: -26.2, lon: 28.05 },
  { city: 'London', region: 'eu-west', lat: 51.51, lon: -0.13 },
  { city: 'San Francisco', region: 'us-west', lat: 37.77, lon: -122.42 },
  { city: 'Singapore', region: 'ap-southeast', lat: 1.35, lon: 103.82 },
  { city: 'Sydney', region: 'au-east', lat: -33.87, lon: 151.21 },
  { city: 'Mumbai', region: 'ap-south', lat: 19.08, lon: 72.88 },
  { city: 'Toronto', region: 'ca-central', lat: 43.65, lon: -79.38 },
  { city: 'Stockholm', region: 'eu-north', lat: 59.33, lon: 18.07 },
]

export interface NodeProfile {
  cpu: number
  memoryGb: number
  diskGb: number
  gpus: Gpu[]
}

const PROFILES: readonly NodeProfile[] = [
  { cpu: 8, memoryGb: 32, diskGb: 250, gpus: [{ model: 'NVIDIA RTX 4090', memoryGb: 24 }] },
  { cpu: 4, memoryGb: 16, diskGb: 100, gpus: [] },
  { cpu: 16, memoryGb: 64, diskGb: 500, gpus: [{ model: 'NVIDIA A100', memoryGb: 80 }] },
  { cpu: 2, memoryGb: 4, diskGb: 50, gpus: [] },
  { cpu: 12, memoryGb: 48, diskGb: 400, gpus: [{ model: 'NVIDIA RTX 3090', memoryGb: 24 }] },
  { cpu: 6, memoryGb: 24, diskGb: 200, gpus: [] },
  { cpu: 10, memoryGb: 8, diskGb: 150, gpus: [] },
]

/** Node i's city: cycles through the list. */
export function cityFor(i: number): City {
  return CITIES[i % CITIES.length] as City
}

/** Node i's resources: cycles through profiles of a different length, so city and profile mix. */
export function profileFor(i: number): NodeProfile {
  return PROFILES[i % PROFILES.length] as NodeProfile
}

/**
 * Where devnet nodes say they are, so the map and the router's geo scoring have variety. Only
 * places are made up; resources are the machine's own (see machineShare in devnet.ts).
 */
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

/** Node i's city: cycles through the list. */
export function cityFor(i: number): City {
  return CITIES[i % CITIES.length] as City
}

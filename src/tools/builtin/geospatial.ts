import { bbox } from '@turf/bbox';
import { bearing } from '@turf/bearing';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { distance } from '@turf/distance';
import { multiPolygon, polygon } from '@turf/helpers';
import geohash from 'ngeohash';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

/*
 * Coordinates are WGS 84 degrees. Distances treat the Earth as a sphere of the IUGG mean
 * radius R1 = 6371.0088 km, which @turf/distance uses, so results differ from ellipsoidal
 * (Vincenty or Karney) distances by a fraction of a percent.
 */

const earthRadiusKm = 6371.0088;

/** A GeoJSON position: longitude first. */
type Position = [longitude: number, latitude: number];

interface Point {
  latitude: number;
  longitude: number;
}

function pointProperty(description: string): Record<string, unknown> {
  return {
    type: 'object',
    description,
    properties: {
      latitude: {
        type: 'number',
        minimum: -90,
        maximum: 90,
        description: 'Latitude in decimal degrees, north positive.',
      },
      longitude: {
        type: 'number',
        minimum: -180,
        maximum: 180,
        description: 'Longitude in decimal degrees, east positive.',
      },
    },
    required: ['latitude', 'longitude'],
    additionalProperties: false,
  };
}

function position(point: Point): Position {
  return [point.longitude, point.latitude];
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;

  return Math.round(value * factor) / factor;
}

interface DistanceArgs {
  from: Point;
  to: Point;
  unit: 'km' | 'mi' | 'nmi';
}

const distanceUnits = { km: 'kilometers', mi: 'miles', nmi: 'nauticalmiles' } as const;

const haversineDistance = defineTool<DistanceArgs>({
  name: 'haversine_distance',
  description:
    'Returns the great-circle distance between two points by the haversine formula on a sphere of mean Earth radius 6371.0088 km.',
  category: 'geospatial',
  tier: 'free',
  tags: ['distance', 'haversine', 'greatcircle', 'gps'],
  inputSchema: {
    type: 'object',
    properties: {
      from: pointProperty('First point.'),
      to: pointProperty('Second point.'),
      unit: {
        type: 'string',
        enum: ['km', 'mi', 'nmi'],
        default: 'km',
        description: 'Unit of `distance`: kilometres, international miles or nautical miles.',
      },
    },
    required: ['from', 'to'],
    additionalProperties: false,
  },
  run(args) {
    const from = position(args.from);
    const to = position(args.to);
    const measure = (unit: keyof typeof distanceUnits) =>
      round(distance(from, to, { units: distanceUnits[unit] }), 3);

    return {
      distance: measure(args.unit),
      unit: args.unit,
      kilometers: measure('km'),
      miles: measure('mi'),
      nautical_miles: measure('nmi'),
      earth_radius_km: earthRadiusKm,
    };
  },
});

const compassPoints = [
  'N',
  'NNE',
  'NE',
  'ENE',
  'E',
  'ESE',
  'SE',
  'SSE',
  'S',
  'SSW',
  'SW',
  'WSW',
  'W',
  'WNW',
  'NW',
  'NNW',
];

function compassPoint(degrees: number): string {
  return compassPoints[Math.round(degrees / 22.5) % 16] as string;
}

interface BearingArgs {
  from: Point;
  to: Point;
}

const bearingTool = defineTool<BearingArgs>({
  name: 'bearing',
  description:
    'Returns the initial and final great-circle bearings from one point to another in degrees clockwise from true north, with 16-point compass names.',
  category: 'geospatial',
  tier: 'free',
  tags: ['bearing', 'heading', 'navigation', 'compass'],
  inputSchema: {
    type: 'object',
    properties: { from: pointProperty('Start point.'), to: pointProperty('End point.') },
    required: ['from', 'to'],
    additionalProperties: false,
  },
  run(args) {
    const from = position(args.from);
    const to = position(args.to);
    if (from[0] === to[0] && from[1] === to[1]) {
      throw new ToolError('from and to are the same point, so there is no bearing between them');
    }
    // @turf/bearing returns -180 to 180, but navigation uses 0 to 360.
    const initial = round((bearing(from, to) + 360) % 360, 4);
    const final = round((bearing(from, to, { final: true }) + 360) % 360, 4);

    return {
      initial_bearing: initial,
      initial_compass: compassPoint(initial),
      final_bearing: final,
      final_compass: compassPoint(final),
      unit: 'degrees',
    };
  },
});

const geohashAlphabet = '0123456789bcdefghjkmnpqrstuvwxyz';

interface GeohashEncodeArgs {
  latitude: number;
  longitude: number;
  precision: number;
}

function describeCell(hash: string): Record<string, unknown> {
  const [south, west, north, east] = geohash.decode_bbox(hash);
  const center = geohash.decode(hash);

  return {
    center: { latitude: center.latitude, longitude: center.longitude },
    error: { latitude: center.error.latitude, longitude: center.error.longitude },
    bounds: { south, west, north, east },
  };
}

const geohashEncode = defineTool<GeohashEncodeArgs>({
  name: 'geohash_encode',
  description:
    'Returns the geohash of a point at a precision of 1 to 12 characters, with the bounds of its cell.',
  category: 'geospatial',
  tier: 'free',
  tags: ['geohash', 'encode', 'spatial', 'index'],
  inputSchema: {
    type: 'object',
    properties: {
      ...(pointProperty('').properties as Record<string, unknown>),
      precision: {
        type: 'integer',
        minimum: 1,
        maximum: 12,
        default: 9,
        description:
          'Characters in the geohash; 9 gives a cell of about 4.8 m × 4.8 m at the equator.',
      },
    },
    required: ['latitude', 'longitude'],
    additionalProperties: false,
  },
  run(args) {
    const hash = geohash.encode(args.latitude, args.longitude, args.precision);

    return { geohash: hash, precision: args.precision, ...describeCell(hash) };
  },
});

interface GeohashDecodeArgs {
  geohash: string;
}

const geohashDecode = defineTool<GeohashDecodeArgs>({
  name: 'geohash_decode',
  description: 'Returns the center, error margins, bounds and eight neighbours of a geohash cell.',
  category: 'geospatial',
  tier: 'free',
  tags: ['geohash', 'decode', 'spatial', 'neighbours'],
  inputSchema: {
    type: 'object',
    properties: {
      geohash: {
        type: 'string',
        minLength: 1,
        maxLength: 12,
        description:
          'Geohash in the base-32 alphabet 0-9 and b-z without a, i, l and o, in either case.',
      },
    },
    required: ['geohash'],
    additionalProperties: false,
  },
  run(args) {
    const hash = args.geohash.toLowerCase();
    const invalid = [...hash].find((character) => !geohashAlphabet.includes(character));
    if (invalid !== undefined) {
      throw new ToolError(
        `geohash "${args.geohash}" contains "${invalid}", which is not in the geohash alphabet ${geohashAlphabet}`,
      );
    }
    const [north, northEast, east, southEast, south, southWest, west, northWest] =
      geohash.neighbors(hash);

    return {
      geohash: hash,
      precision: hash.length,
      ...describeCell(hash),
      neighbours: {
        north,
        north_east: northEast,
        east,
        south_east: southEast,
        south,
        south_west: southWest,
        west,
        north_west: northWest,
      },
    };
  },
});

interface PolygonGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: unknown[];
}

interface PointInPolygonArgs {
  point: Point;
  polygon: PolygonGeometry;
}

const maxPolygonVertices = 10_000;

function checkRing(ring: unknown, path: string): Position[] {
  if (!Array.isArray(ring) || ring.length < 4) {
    throw new ToolError(`${path} must be a ring of at least 4 [longitude, latitude] positions`);
  }
  const positions = ring.map((entry, index) => {
    if (
      !Array.isArray(entry) ||
      entry.length < 2 ||
      typeof entry[0] !== 'number' ||
      typeof entry[1] !== 'number' ||
      Math.abs(entry[0]) > 180 ||
      Math.abs(entry[1]) > 90
    ) {
      throw new ToolError(
        `${path}[${index}] must be [longitude, latitude] in degrees, got ${JSON.stringify(entry)}`,
      );
    }

    return [entry[0], entry[1]] as Position;
  });
  const first = positions[0] as Position;
  const last = positions.at(-1) as Position;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw new ToolError(
      `${path} must be closed: its last position must repeat its first (RFC 7946, section 3.1.6)`,
    );
  }

  return positions;
}

function checkPolygon(rings: unknown, path: string): Position[][] {
  if (!Array.isArray(rings) || rings.length === 0) {
    throw new ToolError(`${path} must be an array of rings, the outer ring first`);
  }

  return rings.map((ring, index) => checkRing(ring, `${path}[${index}]`));
}

const pointInPolygon = defineTool<PointInPolygonArgs>({
  name: 'point_in_polygon',
  description:
    'Returns whether a point lies inside a GeoJSON Polygon or MultiPolygon, holes excluded, and whether it lies on the boundary.',
  category: 'geospatial',
  tier: 'pro',
  tags: ['polygon', 'geofence', 'geojson', 'contains'],
  inputSchema: {
    type: 'object',
    properties: {
      point: pointProperty('Point to test.'),
      polygon: {
        type: 'object',
        description:
          'GeoJSON geometry (RFC 7946) with [longitude, latitude] positions. Edges are straight lines in degrees, not great circles.',
        properties: {
          type: {
            type: 'string',
            enum: ['Polygon', 'MultiPolygon'],
            description: 'GeoJSON geometry type.',
          },
          coordinates: {
            type: 'array',
            maxItems: 1000,
            description:
              'Rings of a Polygon, or polygons of a MultiPolygon, as GeoJSON nests them.',
          },
        },
        required: ['type', 'coordinates'],
        additionalProperties: false,
      },
    },
    required: ['point', 'polygon'],
    additionalProperties: false,
  },
  run(args) {
    const { type, coordinates } = args.polygon;
    const polygons =
      type === 'Polygon'
        ? [checkPolygon(coordinates, 'polygon.coordinates')]
        : coordinates.map((rings, index) => checkPolygon(rings, `polygon.coordinates[${index}]`));
    const vertices = polygons.flat(2).length;
    if (vertices > maxPolygonVertices) {
      throw new ToolError(
        `polygon has ${vertices} positions, more than the limit of ${maxPolygonVertices}`,
      );
    }

    const point = position(args.point);
    const contains = (ignoreBoundary: boolean) =>
      type === 'Polygon'
        ? booleanPointInPolygon(point, polygon(polygons[0] as Position[][]), { ignoreBoundary })
        : booleanPointInPolygon(point, multiPolygon(polygons), { ignoreBoundary });
    const insideOrOnEdge = contains(false);
    const strictlyInside = contains(true);

    return { inside: insideOrOnEdge, on_boundary: insideOrOnEdge && !strictlyInside, vertices };
  },
});

interface BoundingBoxArgs {
  points: Point[];
}

/**
 * Finds the narrowest longitude range that contains every longitude, which crosses the
 * antimeridian when the widest gap between neighbouring longitudes spans it.
 */
function longitudeRange(longitudes: number[]): { west: number; east: number } {
  const sorted = [...new Set(longitudes)].sort((left, right) => left - right);
  const first = sorted[0] as number;
  const last = sorted.at(-1) as number;
  let widestGap = first + 360 - last;
  let west = first;
  let east = last;
  for (let index = 1; index < sorted.length; index += 1) {
    const gap = (sorted[index] as number) - (sorted[index - 1] as number);
    if (gap > widestGap) {
      widestGap = gap;
      west = sorted[index] as number;
      east = sorted[index - 1] as number;
    }
  }

  return { west, east };
}

const boundingBox = defineTool<BoundingBoxArgs>({
  name: 'bounding_box',
  description:
    'Returns the smallest latitude-longitude box holding a set of points, as GeoJSON [west, south, east, north], crossing the antimeridian when that is smaller.',
  category: 'geospatial',
  tier: 'free',
  tags: ['bbox', 'extent', 'bounds', 'geojson'],
  inputSchema: {
    type: 'object',
    properties: {
      points: {
        type: 'array',
        description: 'Points to enclose.',
        items: pointProperty('A point.'),
        minItems: 1,
        maxItems: 10_000,
      },
    },
    required: ['points'],
    additionalProperties: false,
  },
  run(args) {
    const [, south, , north] = bbox({
      type: 'MultiPoint',
      coordinates: args.points.map(position),
    }) as [number, number, number, number];
    const { west, east } = longitudeRange(args.points.map((point) => point.longitude));
    const crossesAntimeridian = west > east;
    const width = crossesAntimeridian ? east + 360 - west : east - west;
    let centerLongitude = west + width / 2;
    if (centerLongitude > 180) {
      centerLongitude -= 360;
    }

    return {
      bbox: [west, south, east, north],
      west,
      south,
      east,
      north,
      crosses_antimeridian: crossesAntimeridian,
      // Rounded to 1e-10 degrees (about 0.01 mm) to drop binary floating-point noise.
      center: { latitude: round((south + north) / 2, 10), longitude: round(centerLongitude, 10) },
      width_degrees: round(width, 10),
      height_degrees: round(north - south, 10),
    };
  },
});

export const geospatialTools: BuiltinTool[] = [
  haversineDistance,
  bearingTool,
  geohashEncode,
  geohashDecode,
  pointInPolygon,
  boundingBox,
];

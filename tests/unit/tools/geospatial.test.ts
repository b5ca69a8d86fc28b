import { describe, expect, it } from 'vitest';
import { geospatialTools } from '../../../src/tools/builtin/geospatial.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = geospatialTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no geospatial tool named ${name}`);
  }

  return found;
}

const london = { latitude: 51.5074, longitude: -0.1278 };
const paris = { latitude: 48.8566, longitude: 2.3522 };
const unitSquare = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0, 0],
    ],
  ],
};

// Reference values come from an independent haversine in Python with R = 6371.0088 km.
describe('haversine_distance', () => {
  it('measures London to Paris', async () => {
    const result = await runTool(tool('haversine_distance'), { from: london, to: paris });

    expect(result).toEqual({
      distance: 343.557,
      unit: 'km',
      kilometers: 343.557,
      miles: 213.476,
      nautical_miles: 185.506,
      earth_radius_km: 6371.0088,
    });
  });

  it('returns nautical miles for JFK to Heathrow', async () => {
    const result = await runTool(tool('haversine_distance'), {
      from: { latitude: 40.6413, longitude: -73.7781 },
      to: { latitude: 51.47, longitude: -0.4543 },
      unit: 'nmi',
    });

    expect(result.distance).toBe(2991.371);
    expect(result.kilometers).toBe(5540.019);
  });

  it('measures a quarter meridian', async () => {
    // π/2 × 6371.0088 km from the equator to the pole.
    const result = await runTool(tool('haversine_distance'), {
      from: { latitude: 0, longitude: 0 },
      to: { latitude: 90, longitude: 0 },
    });

    expect(result.kilometers).toBe(10007.557);
  });

  it('rejects a latitude over 90', async () => {
    await expect(
      runTool(tool('haversine_distance'), { from: { latitude: 91, longitude: 0 }, to: paris }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('bearing', () => {
  it('heads south-south-east to Paris', async () => {
    const result = await runTool(tool('bearing'), { from: london, to: paris });

    expect(result).toEqual({
      initial_bearing: 148.1156,
      initial_compass: 'SSE',
      final_bearing: 150.0211,
      final_compass: 'SSE',
      unit: 'degrees',
    });
  });

  it('heads due west along the equator', async () => {
    const result = await runTool(tool('bearing'), {
      from: { latitude: 0, longitude: 10 },
      to: { latitude: 0, longitude: 0 },
    });

    expect(result.initial_bearing).toBe(270);
    expect(result.initial_compass).toBe('W');
  });

  it('rejects identical points', async () => {
    await expect(runTool(tool('bearing'), { from: london, to: london })).rejects.toThrow(
      'from and to are the same point, so there is no bearing between them',
    );
  });
});

describe('geohash_encode', () => {
  it('encodes the published example', async () => {
    // The Rosetta Code Geohash task gives u4pruydqqvj for 57.649110 N, 10.407440 E.
    const result = await runTool(tool('geohash_encode'), {
      latitude: 57.64911,
      longitude: 10.40744,
      precision: 11,
    });

    expect(result.geohash).toBe('u4pruydqqvj');
    expect(result.precision).toBe(11);
    expect(result.bounds).toEqual({
      south: 57.649109959602356,
      west: 10.407439023256302,
      north: 57.64911130070686,
      east: 10.40744036436081,
    });
  });

  it('defaults to nine characters', async () => {
    // The same task gives gcpue5hp4 for 51.433718 N, 0.214126 W at precision 9.
    const result = await runTool(tool('geohash_encode'), {
      latitude: 51.433718,
      longitude: -0.214126,
    });

    expect(result.geohash).toBe('gcpue5hp4');
  });

  it('rejects precision 13', async () => {
    await expect(
      runTool(tool('geohash_encode'), { latitude: 0, longitude: 0, precision: 13 }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('geohash_decode', () => {
  it('decodes ezs42 with neighbours', async () => {
    const result = await runTool(tool('geohash_decode'), { geohash: 'EZS42' });

    expect(result).toEqual({
      geohash: 'ezs42',
      precision: 5,
      center: { latitude: 42.60498046875, longitude: -5.60302734375 },
      error: { latitude: 0.02197265625, longitude: 0.02197265625 },
      bounds: { south: 42.5830078125, west: -5.625, north: 42.626953125, east: -5.5810546875 },
      neighbours: {
        north: 'ezs48',
        north_east: 'ezs49',
        east: 'ezs43',
        south_east: 'ezs41',
        south: 'ezs40',
        south_west: 'ezefp',
        west: 'ezefr',
        north_west: 'ezefx',
      },
    });
  });

  it('rejects a letter outside the alphabet', async () => {
    await expect(runTool(tool('geohash_decode'), { geohash: 'u4pa' })).rejects.toThrow(
      'geohash "u4pa" contains "a", which is not in the geohash alphabet 0123456789bcdefghjkmnpqrstuvwxyz',
    );
  });
});

describe('point_in_polygon', () => {
  it('finds a point inside', async () => {
    const result = await runTool(tool('point_in_polygon'), {
      point: { latitude: 0.5, longitude: 0.5 },
      polygon: unitSquare,
    });

    expect(result).toEqual({ inside: true, on_boundary: false, vertices: 5 });
  });

  it('flags a point on an edge', async () => {
    const result = await runTool(tool('point_in_polygon'), {
      point: { latitude: 0, longitude: 0.5 },
      polygon: unitSquare,
    });

    expect(result).toEqual({ inside: true, on_boundary: true, vertices: 5 });
  });

  it('excludes a hole', async () => {
    const withHole = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [10, 10],
          [0, 10],
          [0, 0],
        ],
        [
          [4, 4],
          [6, 4],
          [6, 6],
          [4, 6],
          [4, 4],
        ],
      ],
    };
    const result = await runTool(tool('point_in_polygon'), {
      point: { latitude: 5, longitude: 5 },
      polygon: withHole,
    });

    expect(result.inside).toBe(false);
  });

  it('tests each part of a MultiPolygon', async () => {
    const islands = {
      type: 'MultiPolygon',
      coordinates: [
        unitSquare.coordinates,
        [
          [
            [5, 5],
            [6, 5],
            [6, 6],
            [5, 6],
            [5, 5],
          ],
        ],
      ],
    };
    const result = await runTool(tool('point_in_polygon'), {
      point: { latitude: 5.5, longitude: 5.5 },
      polygon: islands,
    });

    expect(result).toEqual({ inside: true, on_boundary: false, vertices: 10 });
  });

  it('rejects an open ring', async () => {
    await expect(
      runTool(tool('point_in_polygon'), {
        point: { latitude: 0, longitude: 0 },
        polygon: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [1, 0],
              [1, 1],
              [0, 1],
            ],
          ],
        },
      }),
    ).rejects.toThrow(
      'polygon.coordinates[0] must be closed: its last position must repeat its first',
    );
  });

  it('rejects a bad position', async () => {
    await expect(
      runTool(tool('point_in_polygon'), {
        point: { latitude: 0, longitude: 0 },
        polygon: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [1, 0],
              [1, 'x'],
              [0, 0],
            ],
          ],
        },
      }),
    ).rejects.toThrow(
      'polygon.coordinates[0][2] must be [longitude, latitude] in degrees, got [1,"x"]',
    );
  });

  it('rejects a LineString', async () => {
    await expect(
      runTool(tool('point_in_polygon'), {
        point: { latitude: 0, longitude: 0 },
        polygon: {
          type: 'LineString',
          coordinates: [
            [0, 0],
            [1, 1],
          ],
        },
      }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('bounding_box', () => {
  it('encloses London and Paris', async () => {
    const result = await runTool(tool('bounding_box'), { points: [london, paris] });

    expect(result).toEqual({
      bbox: [-0.1278, 48.8566, 2.3522, 51.5074],
      west: -0.1278,
      south: 48.8566,
      east: 2.3522,
      north: 51.5074,
      crosses_antimeridian: false,
      center: { latitude: 50.182, longitude: 1.1122 },
      width_degrees: 2.48,
      height_degrees: 2.6508,
    });
  });

  it('crosses the antimeridian around Fiji', async () => {
    const result = await runTool(tool('bounding_box'), {
      points: [
        { latitude: -17, longitude: 178 },
        { latitude: -18, longitude: -179 },
        { latitude: -16.5, longitude: 179.5 },
      ],
    });

    expect(result).toMatchObject({
      bbox: [178, -18, -179, -16.5],
      crosses_antimeridian: true,
      center: { latitude: -17.25, longitude: 179.5 },
      width_degrees: 3,
    });
  });

  it('boxes a single point', async () => {
    const result = await runTool(tool('bounding_box'), { points: [paris] });

    expect(result).toMatchObject({
      bbox: [2.3522, 48.8566, 2.3522, 48.8566],
      width_degrees: 0,
      height_degrees: 0,
    });
  });

  it('rejects an empty list', async () => {
    await expect(runTool(tool('bounding_box'), { points: [] })).rejects.toThrow(
      /Invalid tool arguments/,
    );
  });
});

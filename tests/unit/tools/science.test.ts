import { describe, expect, it } from 'vitest';
import { scienceTools } from '../../../src/tools/builtin/science.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = scienceTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no science tool named ${name}`);
  }

  return found;
}

// The first conversion loads mathjs, which takes seconds on a busy machine.
const unitLimits = { limits: { timeoutMs: 30_000 } };

describe('unit_convert', () => {
  // Exact definitions: international mile 1609.344 m, avoirdupois pound 0.45359237 kg, US gallon
  // 3.785411784 L, 1 kWh = 3.6 MJ, thermochemical calorie 4.184 J, eV 1.602176634e-19 J.
  const conversions: [number, string, string, number][] = [
    [1, 'mile', 'km', 1.609344],
    [1, 'lb', 'kg', 0.45359237],
    [1, 'gallon', 'L', 3.785411784],
    [1, 'kWh', 'J', 3_600_000],
    [1, 'kcal', 'J', 4184],
    [1, 'eV', 'J', 1.602176634e-19],
    [100, 'degC', 'degF', 212],
    [0, 'degC', 'K', 273.15],
    [-40, 'degF', 'degC', -40],
    [1, 'atm', 'Pa', 101_325],
    [36, 'km/h', 'm/s', 10],
  ];

  for (const [value, from, to, expected] of conversions) {
    it(`converts ${from} to ${to}`, async () => {
      const result = await runTool(tool('unit_convert'), { value, from, to }, unitLimits);

      expect(result).toEqual({ value, from, to, result: expected });
    });
  }

  it('rejects units of different dimensions', async () => {
    await expect(
      runTool(tool('unit_convert'), { value: 1, from: 'kg', to: 'm' }, unitLimits),
    ).rejects.toThrow('cannot convert "kg" to "m": Units do not match');
  });

  it('rejects an unknown unit', async () => {
    await expect(
      runTool(tool('unit_convert'), { value: 1, from: 'furlongz', to: 'm' }, unitLimits),
    ).rejects.toThrow('from unit "furlongz" is not valid: Unit "furlongz" not found.');
  });
});

describe('physical_constant', () => {
  it('returns G with its uncertainty', async () => {
    const result = await runTool(tool('physical_constant'), {
      name: 'newtonian_constant_of_gravitation',
    });

    expect(result).toEqual({
      name: 'newtonian_constant_of_gravitation',
      symbol: 'G',
      quantity: 'Newtonian constant of gravitation',
      value: 6.6743e-11,
      unit: 'm^3 kg^-1 s^-2',
      standard_uncertainty: 1.5e-15,
      relative_standard_uncertainty: 1.5e-15 / 6.6743e-11,
      exact: false,
      source: 'CODATA 2018',
    });
  });

  it('marks defining constants exact', async () => {
    const result = await runTool(tool('physical_constant'), { name: 'speed_of_light_in_vacuum' });

    expect(result.value).toBe(299_792_458);
    expect(result.exact).toBe(true);
  });

  it('keeps derived values consistent', async () => {
    const { constants } = (await runTool(tool('physical_constant'), {})) as {
      constants: { name: string; value: number }[];
    };
    const value = (name: string) =>
      constants.find((constant) => constant.name === name)?.value as number;

    expect(constants).toHaveLength(28);
    // R = N_A·k and F = N_A·e hold to the ten digits CODATA lists.
    const avogadro = value('avogadro_constant');

    expect(value('molar_gas_constant')).toBeCloseTo(avogadro * value('boltzmann_constant'), 9);
    expect(value('faraday_constant')).toBeCloseTo(avogadro * value('elementary_charge'), 5);
  });

  it('rejects an unknown constant', async () => {
    await expect(runTool(tool('physical_constant'), { name: 'pi' })).rejects.toThrow(
      'args.name must be one of',
    );
  });
});

describe('molar_mass', () => {
  it('computes water', async () => {
    // 2 × 1.008 + 15.999 = 18.015 g/mol.
    const result = await runTool(tool('molar_mass'), { formula: 'H2O' });

    expect(result).toEqual({
      formula: 'H2O',
      hill_formula: 'H2O',
      molar_mass: 18.015,
      unit: 'g/mol',
      charge: 0,
      elements: [
        { symbol: 'H', count: 2, atomic_weight: 1.008, mass: 2.016, mass_percent: 11.191 },
        { symbol: 'O', count: 1, atomic_weight: 15.999, mass: 15.999, mass_percent: 88.809 },
      ],
    });
  });

  it('computes glucose in Hill order', async () => {
    // 6 × 12.011 + 12 × 1.008 + 6 × 15.999 = 72.066 + 12.096 + 95.994 = 180.156 g/mol.
    const result = await runTool(tool('molar_mass'), { formula: 'C6H12O6' });

    expect(result.molar_mass).toBe(180.156);
    expect(result.hill_formula).toBe('C6H12O6');
  });

  it('expands parentheses', async () => {
    // 40.078 + 2 × (15.999 + 1.008) = 74.092 g/mol.
    const result = await runTool(tool('molar_mass'), { formula: 'Ca(OH)2' });

    expect(result.molar_mass).toBe(74.092);
    expect(result.hill_formula).toBe('CaH2O2');
  });

  for (const formula of ['CuSO4·5H2O', 'CuSO4.5H2O', 'CuSO4*5H2O']) {
    it(`reads the hydrate ${formula}`, async () => {
      // 63.546 + 32.06 + 9 × 15.999 + 10 × 1.008 = 249.677 g/mol.
      const result = await runTool(tool('molar_mass'), { formula });

      expect(result.molar_mass).toBe(249.677);
    });
  }

  it('reports the charge of an ion', async () => {
    const result = await runTool(tool('molar_mass'), { formula: 'SO4(2-)' });

    expect(result.charge).toBe(-2);
    expect(result.molar_mass).toBe(96.056);
  });

  it('rejects isotopes', async () => {
    await expect(runTool(tool('molar_mass'), { formula: 'D2O' })).rejects.toThrow(
      'formula "D2O" names an isotope',
    );
  });

  it('rejects elements without a standard weight', async () => {
    await expect(runTool(tool('molar_mass'), { formula: 'TcO4' })).rejects.toThrow(
      'element Tc has no IUPAC standard atomic weight',
    );
  });

  it('rejects unknown elements', async () => {
    await expect(runTool(tool('molar_mass'), { formula: 'Xx2' })).rejects.toThrow(
      'formula "Xx2" is not a valid chemical formula: Unknown element: Xx',
    );
  });

  it('rejects unbalanced parentheses', async () => {
    await expect(runTool(tool('molar_mass'), { formula: 'Ca(OH2' })).rejects.toThrow('parenthesis');
  });
});

describe('ideal_gas_law', () => {
  it('reproduces the CODATA molar volume', async () => {
    // CODATA 2018: molar volume of an ideal gas at 273.15 K and 101.325 kPa is 22.413 969 54 L/mol.
    const result = await runTool(tool('ideal_gas_law'), {
      pressure_pa: 101_325,
      amount_mol: 1,
      temperature_k: 273.15,
    });

    expect(result.solved_for).toBe('volume_m3');
    expect(result.volume_m3).toBeCloseTo(22.41396954e-3, 10);
    expect(result.gas_constant).toBeCloseTo(8.314462618, 9);
  });

  it('solves for temperature', async () => {
    const result = await runTool(tool('ideal_gas_law'), {
      pressure_pa: 101_325,
      volume_m3: 22.41396954e-3,
      amount_mol: 1,
    });

    expect(result.temperature_k).toBeCloseTo(273.15, 6);
  });

  it('solves for pressure and amount', async () => {
    const pressure = await runTool(tool('ideal_gas_law'), {
      volume_m3: 1,
      amount_mol: 1,
      temperature_k: 300,
    });
    const amount = await runTool(tool('ideal_gas_law'), {
      pressure_pa: 8.31446261815324,
      volume_m3: 1,
      temperature_k: 1,
    });

    expect(pressure.pressure_pa).toBeCloseTo(300 * 8.31446261815324, 9);
    expect(amount.amount_mol).toBeCloseTo(1, 12);
  });

  it('rejects two unknowns', async () => {
    const args = { pressure_pa: 101_325, temperature_k: 273.15 };

    await expect(runTool(tool('ideal_gas_law'), args)).rejects.toThrow(
      'give exactly three of pressure_pa, volume_m3, amount_mol, temperature_k',
    );
  });

  it('rejects a temperature of zero', async () => {
    await expect(
      runTool(tool('ideal_gas_law'), { pressure_pa: 1, volume_m3: 1, temperature_k: 0 }),
    ).rejects.toThrow('args.temperature_k must be > 0');
  });
});

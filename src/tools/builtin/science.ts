import type { MathJsInstance } from 'mathjs';
import { MF } from 'mf-parser';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

let unitsLoading: Promise<MathJsInstance> | undefined;

/**
 * Loads mathjs on the first conversion rather than at start-up, because importing it took 0.7 to
 * 1.5 s on a busy 2-core machine and every process that lists the catalogue imports this module.
 */
function loadUnits(): Promise<MathJsInstance> {
  unitsLoading ??= import('mathjs').then(({ all, create }) => {
    // The mathjs typings declare `all` as optional, although the package always exports it.
    const units = create(all ?? {});
    // mathjs 15 defines the electronvolt with the CODATA 2010 value 1.602176565e-19 J. Since the
    // 2019 SI it is exactly 1.602176634e-19 J, so both of its names are redefined.
    units.createUnit(
      {
        eV: { definition: '1.602176634e-19 J', prefixes: 'short' },
        electronvolt: { definition: '1.602176634e-19 J', prefixes: 'long' },
      },
      { override: true },
    );
    // mathjs 15 has no calorie. This is the thermochemical calorie, defined as exactly 4.184 J.
    units.createUnit({
      cal: { definition: '4.184 J', prefixes: 'short' },
      calorie: { definition: '4.184 J', prefixes: 'long' },
    });

    return units;
  });

  return unitsLoading;
}

interface UnitConvertArgs {
  value: number;
  from: string;
  to: string;
}

/** Rounds to 15 significant digits, which removes binary noise such as 1.6093440000000001. */
function roundSignificant(value: number): number {
  return Number(value.toPrecision(15));
}

const unitConvert = defineTool<UnitConvertArgs>({
  name: 'unit_convert',
  description:
    'Converts a quantity between units of the same dimension (length, mass, temperature, volume, pressure, energy and more).',
  category: 'science',
  tier: 'free',
  tags: ['units', 'convert', 'measurement', 'science'],
  inputSchema: {
    type: 'object',
    properties: {
      value: { type: 'number', description: 'Quantity in the `from` unit' },
      from: {
        type: 'string',
        description:
          'Unit of value in mathjs notation, such as "km", "lb", "degC", "gallon", "psi", "kWh" or "m/s"',
        minLength: 1,
        maxLength: 100,
      },
      to: {
        type: 'string',
        description: 'Unit to convert to, in the same notation',
        minLength: 1,
        maxLength: 100,
      },
    },
    required: ['value', 'from', 'to'],
    additionalProperties: false,
  },
  async run(args) {
    const units = await loadUnits();
    let quantity;
    try {
      quantity = units.unit(args.value, args.from);
    } catch (error) {
      throw new ToolError(`from unit "${args.from}" is not valid: ${(error as Error).message}`);
    }
    let result: number;
    try {
      result = quantity.toNumber(args.to);
    } catch (error) {
      throw new ToolError(
        `cannot convert "${args.from}" to "${args.to}": ${(error as Error).message}`,
      );
    }

    return { value: args.value, from: args.from, to: args.to, result: roundSignificant(result) };
  },
});

interface PhysicalConstant {
  symbol: string;
  quantity: string;
  value: number;
  unit: string;
  /** Standard uncertainty in `unit`; 0 for constants fixed exactly by the 2019 SI. */
  uncertainty: number;
}

/**
 * CODATA 2018 recommended values: Tiesinga E., Mohr P.J., Newell D.B. & Taylor B.N., "The 2018
 * CODATA Recommended Values of the Fundamental Physical Constants" (NIST web version 8.1).
 * Exact constants derived from the defining ones, such as ħ, R and F, are exact but listed by
 * CODATA to a fixed number of digits, as here.
 */
function constant(
  symbol: string,
  quantity: string,
  value: number,
  unit: string,
  uncertainty = 0,
): PhysicalConstant {
  return { symbol, quantity, value, unit, uncertainty };
}

const physicalConstants: Record<string, PhysicalConstant> = {
  speed_of_light_in_vacuum: constant('c', 'speed of light in vacuum', 299792458, 'm s^-1'),
  planck_constant: constant('h', 'Planck constant', 6.62607015e-34, 'J Hz^-1'),
  reduced_planck_constant: constant('ħ', 'reduced Planck constant', 1.054571817e-34, 'J s'),
  elementary_charge: constant('e', 'elementary charge', 1.602176634e-19, 'C'),
  boltzmann_constant: constant('k', 'Boltzmann constant', 1.380649e-23, 'J K^-1'),
  avogadro_constant: constant('N_A', 'Avogadro constant', 6.02214076e23, 'mol^-1'),
  molar_gas_constant: constant('R', 'molar gas constant', 8.314462618, 'J mol^-1 K^-1'),
  faraday_constant: constant('F', 'Faraday constant', 96485.33212, 'C mol^-1'),
  stefan_boltzmann_constant: constant(
    'σ',
    'Stefan-Boltzmann constant',
    5.670374419e-8,
    'W m^-2 K^-4',
  ),
  wien_wavelength_displacement_law_constant: constant(
    'b',
    'Wien wavelength displacement law constant',
    2.897771955e-3,
    'm K',
  ),
  magnetic_flux_quantum: constant('Φ_0', 'magnetic flux quantum', 2.067833848e-15, 'Wb'),
  electron_volt: constant('eV', 'electron volt', 1.602176634e-19, 'J'),
  molar_volume_of_ideal_gas: constant(
    'V_m',
    'molar volume of ideal gas (273.15 K, 101.325 kPa)',
    22.41396954e-3,
    'm^3 mol^-1',
  ),
  standard_acceleration_of_gravity: constant(
    'g_n',
    'standard acceleration of gravity',
    9.80665,
    'm s^-2',
  ),
  standard_atmosphere: constant('atm', 'standard atmosphere', 101325, 'Pa'),
  newtonian_constant_of_gravitation: constant(
    'G',
    'Newtonian constant of gravitation',
    6.6743e-11,
    'm^3 kg^-1 s^-2',
    1.5e-15,
  ),
  electron_mass: constant('m_e', 'electron mass', 9.1093837015e-31, 'kg', 2.8e-40),
  proton_mass: constant('m_p', 'proton mass', 1.67262192369e-27, 'kg', 5.1e-37),
  neutron_mass: constant('m_n', 'neutron mass', 1.67492749804e-27, 'kg', 9.5e-37),
  atomic_mass_constant: constant('m_u', 'atomic mass constant', 1.6605390666e-27, 'kg', 5.0e-37),
  fine_structure_constant: constant('α', 'fine-structure constant', 7.2973525693e-3, '1', 1.1e-12),
  rydberg_constant: constant('R_∞', 'Rydberg constant', 10973731.56816, 'm^-1', 2.1e-5),
  bohr_radius: constant('a_0', 'Bohr radius', 5.29177210903e-11, 'm', 8.0e-21),
  classical_electron_radius: constant(
    'r_e',
    'classical electron radius',
    2.8179403262e-15,
    'm',
    1.3e-24,
  ),
  bohr_magneton: constant('μ_B', 'Bohr magneton', 9.2740100783e-24, 'J T^-1', 2.8e-33),
  hartree_energy: constant('E_h', 'Hartree energy', 4.3597447222071e-18, 'J', 8.5e-30),
  vacuum_electric_permittivity: constant(
    'ε_0',
    'vacuum electric permittivity',
    8.8541878128e-12,
    'F m^-1',
    1.3e-21,
  ),
  vacuum_magnetic_permeability: constant(
    'μ_0',
    'vacuum magnetic permeability',
    1.25663706212e-6,
    'N A^-2',
    1.9e-16,
  ),
};

function describeConstant(name: string, constant: PhysicalConstant) {
  return {
    name,
    symbol: constant.symbol,
    quantity: constant.quantity,
    value: constant.value,
    unit: constant.unit,
    standard_uncertainty: constant.uncertainty,
    relative_standard_uncertainty: constant.uncertainty / constant.value,
    exact: constant.uncertainty === 0,
    source: 'CODATA 2018',
  };
}

interface PhysicalConstantArgs {
  name?: string;
}

const physicalConstant = defineTool<PhysicalConstantArgs>({
  name: 'physical_constant',
  description:
    'Returns the CODATA 2018 value, SI unit and standard uncertainty of a physical constant, or of all of them.',
  category: 'science',
  tier: 'free',
  tags: ['physics', 'constants', 'codata', 'science'],
  inputSchema: {
    type: 'object',
    properties: {
      name: {
        type: 'string',
        description: 'Constant to return. Omit it to list every constant',
        enum: Object.keys(physicalConstants),
      },
    },
    required: [],
    additionalProperties: false,
  },
  run(args) {
    if (args.name !== undefined) {
      return describeConstant(args.name, physicalConstants[args.name] as PhysicalConstant);
    }

    return {
      constants: Object.entries(physicalConstants).map(([name, constant]) =>
        describeConstant(name, constant),
      ),
    };
  },
});

/**
 * Standard atomic weights from Prohaska T. et al. (2022), "Standard atomic weights of the
 * elements 2021 (IUPAC Technical Report)", Pure and Applied Chemistry 94(5), 573–600. Where
 * IUPAC gives an interval (H, Li, B, C, N, O, Mg, Si, S, Cl, Ar, Br, Tl, Pb) the value is the
 * conventional atomic weight that IUPAC publishes for it. Elements with no stable isotope
 * and no characteristic terrestrial composition, such as Tc or Pu, have no standard atomic
 * weight and are left out.
 */
const standardAtomicWeights: Record<string, number> = {
  H: 1.008,
  He: 4.002602,
  Li: 6.94,
  Be: 9.0121831,
  B: 10.81,
  C: 12.011,
  N: 14.007,
  O: 15.999,
  F: 18.998403162,
  Ne: 20.1797,
  Na: 22.98976928,
  Mg: 24.305,
  Al: 26.9815384,
  Si: 28.085,
  P: 30.973761998,
  S: 32.06,
  Cl: 35.45,
  Ar: 39.95,
  K: 39.0983,
  Ca: 40.078,
  Sc: 44.955907,
  Ti: 47.867,
  V: 50.9415,
  Cr: 51.9961,
  Mn: 54.938043,
  Fe: 55.845,
  Co: 58.933194,
  Ni: 58.6934,
  Cu: 63.546,
  Zn: 65.38,
  Ga: 69.723,
  Ge: 72.63,
  As: 74.921595,
  Se: 78.971,
  Br: 79.904,
  Kr: 83.798,
  Rb: 85.4678,
  Sr: 87.62,
  Y: 88.905838,
  Zr: 91.224,
  Nb: 92.90637,
  Mo: 95.95,
  Ru: 101.07,
  Rh: 102.90549,
  Pd: 106.42,
  Ag: 107.8682,
  Cd: 112.414,
  In: 114.818,
  Sn: 118.71,
  Sb: 121.76,
  Te: 127.6,
  I: 126.90447,
  Xe: 131.293,
  Cs: 132.90545196,
  Ba: 137.327,
  La: 138.90547,
  Ce: 140.116,
  Pr: 140.90766,
  Nd: 144.242,
  Sm: 150.36,
  Eu: 151.964,
  Gd: 157.25,
  Tb: 158.925354,
  Dy: 162.5,
  Ho: 164.930329,
  Er: 167.259,
  Tm: 168.934219,
  Yb: 173.045,
  Lu: 174.9668,
  Hf: 178.486,
  Ta: 180.94788,
  W: 183.84,
  Re: 186.207,
  Os: 190.23,
  Ir: 192.217,
  Pt: 195.084,
  Au: 196.96657,
  Hg: 200.592,
  Tl: 204.38,
  Pb: 207.2,
  Bi: 208.9804,
  Th: 232.0377,
  Pa: 231.03588,
  U: 238.02891,
};

/** Orders element symbols by the Hill system: C, then H, then the rest alphabetically. */
function hillOrder(symbols: string[]): string[] {
  const hasCarbon = symbols.includes('C');
  const rank = (symbol: string) => {
    if (!hasCarbon) {
      return 2;
    }
    if (symbol === 'C') {
      return 0;
    }

    return symbol === 'H' ? 1 : 2;
  };

  return [...symbols].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;

  return Math.round(value * factor) / factor;
}

/** Atom counts of a formula, read by mf-parser. */
function countAtoms(formula: string): { atoms: Record<string, number>; charge: number } {
  // mf-parser separates the parts of a hydrate with " . ", and reads "CuSO4.5H2O" as O4.5.
  const normalized = formula.replace(/\s*[.·•∙⋅*]\s*/g, ' . ');
  let info: { atoms: Record<string, number>; charge: number; mf: string };
  try {
    info = new MF(normalized).getInfo() as typeof info;
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new ToolError(`formula "${formula}" is not a valid chemical formula: ${reason}`);
  }
  // mf-parser writes isotopes, including D and T, in brackets such as [2H].
  if (info.mf.includes('[')) {
    throw new ToolError(
      `formula "${formula}" names an isotope, but standard atomic weights apply only to natural isotopic composition`,
    );
  }
  if (Object.keys(info.atoms).length === 0) {
    throw new ToolError(`formula "${formula}" contains no elements`);
  }

  return { atoms: info.atoms, charge: info.charge };
}

interface MolarMassArgs {
  formula: string;
}

const molarMass = defineTool<MolarMassArgs>({
  name: 'molar_mass',
  description:
    'Computes the molar mass of a chemical formula in g/mol from IUPAC 2021 standard atomic weights, with the mass fraction of each element.',
  category: 'science',
  tier: 'free',
  tags: ['chemistry', 'molar', 'formula', 'science'],
  inputSchema: {
    type: 'object',
    properties: {
      formula: {
        type: 'string',
        description:
          'Formula such as "H2O", "Ca(OH)2" or the hydrate "CuSO4·5H2O"; group abbreviations such as Me, Et and Ph are expanded',
        minLength: 1,
        maxLength: 200,
      },
    },
    required: ['formula'],
    additionalProperties: false,
  },
  run(args) {
    const { atoms, charge } = countAtoms(args.formula);
    const symbols = hillOrder(Object.keys(atoms).filter((symbol) => (atoms[symbol] ?? 0) > 0));
    const elements = symbols.map((symbol) => {
      const atomicWeight = standardAtomicWeights[symbol];
      if (atomicWeight === undefined) {
        throw new ToolError(
          `element ${symbol} has no IUPAC standard atomic weight, so its molar mass is not defined`,
        );
      }
      const count = atoms[symbol] as number;

      return { symbol, count, atomic_weight: atomicWeight, mass: count * atomicWeight };
    });
    const total = elements.reduce((sum, element) => sum + element.mass, 0);

    return {
      formula: args.formula,
      hill_formula: elements
        .map(({ symbol, count }) => (count === 1 ? symbol : `${symbol}${count}`))
        .join(''),
      // Rounded to 0.001 g/mol, the precision of the conventional weights of H, C, N and O.
      // The mass of electrons gained or lost by an ion (0.000549 g/mol each) is left out.
      molar_mass: roundTo(total, 3),
      unit: 'g/mol',
      charge,
      elements: elements.map((element) => ({
        ...element,
        mass: roundTo(element.mass, 3),
        mass_percent: roundTo((element.mass / total) * 100, 3),
      })),
    };
  },
});

/** R = N_A·k, exact in the 2019 SI (CODATA 2018 lists it as 8.314462618 J mol⁻¹ K⁻¹). */
const gasConstant = 6.02214076e23 * 1.380649e-23;

const gasVariables = ['pressure_pa', 'volume_m3', 'amount_mol', 'temperature_k'] as const;

type IdealGasArgs = Partial<Record<(typeof gasVariables)[number], number>>;

function positiveNumber(description: string) {
  return { type: 'number', description, exclusiveMinimum: 0 };
}

const idealGasLaw = defineTool<IdealGasArgs>({
  name: 'ideal_gas_law',
  description:
    'Solves PV = nRT for whichever of pressure, volume, amount or temperature is left out, in SI units.',
  category: 'science',
  tier: 'free',
  tags: ['chemistry', 'physics', 'gas', 'science'],
  inputSchema: {
    type: 'object',
    properties: {
      pressure_pa: positiveNumber('Pressure in pascals'),
      volume_m3: positiveNumber('Volume in cubic metres (1 L = 0.001 m³)'),
      amount_mol: positiveNumber('Amount of substance in moles'),
      temperature_k: positiveNumber('Absolute temperature in kelvins'),
    },
    required: [],
    additionalProperties: false,
  },
  run(args) {
    const missing = gasVariables.filter((name) => args[name] === undefined);
    if (missing.length !== 1) {
      throw new ToolError(
        `give exactly three of ${gasVariables.join(', ')}, leaving out the one to solve for, ` +
          `but ${4 - missing.length} were given`,
      );
    }
    const { pressure_pa: p, volume_m3: v, amount_mol: n, temperature_k: t } = args;
    const solvedFor = missing[0] as (typeof gasVariables)[number];
    const solved = {
      pressure_pa: () => ((n as number) * gasConstant * (t as number)) / (v as number),
      volume_m3: () => ((n as number) * gasConstant * (t as number)) / (p as number),
      amount_mol: () => ((p as number) * (v as number)) / (gasConstant * (t as number)),
      temperature_k: () => ((p as number) * (v as number)) / ((n as number) * gasConstant),
    }[solvedFor]();

    return {
      solved_for: solvedFor,
      pressure_pa: p ?? solved,
      volume_m3: v ?? solved,
      amount_mol: n ?? solved,
      temperature_k: t ?? solved,
      gas_constant: gasConstant,
      gas_constant_unit: 'J mol^-1 K^-1',
    };
  },
});

export const scienceTools: BuiltinTool[] = [unitConvert, physicalConstant, molarMass, idealGasLaw];

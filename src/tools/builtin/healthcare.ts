import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

/*
 * Published clinical formulas. Each result names its source, and none of them replaces
 * clinical judgement: they are screening estimates with the validity limits of the study
 * that derived them.
 */

const poundsToKilograms = 0.45359237;
const inchesToCentimetres = 2.54;
/** µmol/L per mg/dL of creatinine, from its molar mass of 113.12 g/mol. */
const creatinineMicromolPerMilligram = 88.4;

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;

  return Math.round(value * factor) / factor;
}

const weightProperties = {
  weight: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 1000,
    description: 'Body weight in `weight_unit`.',
  },
  weight_unit: {
    type: 'string',
    enum: ['kg', 'lb'],
    default: 'kg',
    description: 'Unit of `weight`.',
  },
};

const heightProperties = {
  height: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 300,
    description: 'Body height in `height_unit`.',
  },
  height_unit: {
    type: 'string',
    enum: ['cm', 'in'],
    default: 'cm',
    description: 'Unit of `height`.',
  },
};

interface BodyArgs {
  weight: number;
  weight_unit: 'kg' | 'lb';
  height: number;
  height_unit: 'cm' | 'in';
}

function kilograms(args: { weight: number; weight_unit: 'kg' | 'lb' }): number {
  return args.weight_unit === 'lb' ? args.weight * poundsToKilograms : args.weight;
}

function centimetres(args: { height: number; height_unit: 'cm' | 'in' }): number {
  const height = args.height_unit === 'in' ? args.height * inchesToCentimetres : args.height;
  if (height < 30 || height > 272) {
    throw new ToolError(
      `height must be from 30 to 272 cm (12 to 107 in), got ${args.height} ${args.height_unit}`,
    );
  }

  return height;
}

/*
 * The WHO international classification of adult underweight, overweight and obesity by
 * BMI, which WHO adapts from its reports of 1995, 2000 (Obesity: preventing and managing
 * the global epidemic, Technical Report Series 894) and 2004.
 */
const bmiClasses: { below: number; category: string; who_class: string }[] = [
  { below: 16, category: 'underweight', who_class: 'severe thinness' },
  { below: 17, category: 'underweight', who_class: 'moderate thinness' },
  { below: 18.5, category: 'underweight', who_class: 'mild thinness' },
  { below: 25, category: 'normal', who_class: 'normal range' },
  { below: 30, category: 'overweight', who_class: 'pre-obese' },
  { below: 35, category: 'obese', who_class: 'obese class I' },
  { below: 40, category: 'obese', who_class: 'obese class II' },
  { below: Number.POSITIVE_INFINITY, category: 'obese', who_class: 'obese class III' },
];

const bmi = defineTool<BodyArgs>({
  name: 'bmi',
  description: 'Returns the body mass index in kg/m² with its WHO adult category.',
  category: 'healthcare',
  tier: 'free',
  tags: ['bmi', 'obesity', 'weight', 'who'],
  inputSchema: {
    type: 'object',
    properties: { ...weightProperties, ...heightProperties },
    required: ['weight', 'height'],
    additionalProperties: false,
  },
  run(args) {
    const metres = centimetres(args) / 100;
    // The WHO cut-offs are stated to two decimals (18.50-24.99), so the class is read off
    // the value as reported.
    const value = round(kilograms(args) / metres ** 2, 2);
    const found = bmiClasses.find((entry) => value < entry.below) as (typeof bmiClasses)[number];

    return {
      bmi: value,
      unit: 'kg/m²',
      category: found.category,
      who_class: found.who_class,
      source: 'WHO international classification of adult BMI (WHO 1995, 2000 and 2004)',
    };
  },
});

interface CreatinineArgs {
  serum_creatinine: number;
  creatinine_unit: 'mg/dL' | 'umol/L';
  age: number;
  sex: 'female' | 'male';
}

const creatinineProperties = {
  serum_creatinine: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 3000,
    description: 'Serum creatinine in `creatinine_unit`, from an IDMS-traceable assay.',
  },
  creatinine_unit: {
    type: 'string',
    enum: ['mg/dL', 'umol/L'],
    default: 'mg/dL',
    description: 'Unit of `serum_creatinine`, where umol/L is µmol/L and 88.4 µmol/L = 1 mg/dL.',
  },
  age: {
    type: 'number',
    minimum: 18,
    maximum: 120,
    description: 'Age in years. Both equations are for adults.',
  },
  sex: {
    type: 'string',
    enum: ['female', 'male'],
    description: 'Sex, which sets the coefficients.',
  },
};

function creatinineMilligrams(args: CreatinineArgs): number {
  const value =
    args.creatinine_unit === 'umol/L'
      ? args.serum_creatinine / creatinineMicromolPerMilligram
      : args.serum_creatinine;
  if (value < 0.1 || value > 30) {
    throw new ToolError(
      `serum_creatinine must be from 0.1 to 30 mg/dL (8.84 to 2652 µmol/L), got ${args.serum_creatinine} ${args.creatinine_unit}`,
    );
  }

  return value;
}

/*
 * Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine.
 * Nephron 1976;16(1):31-41. CrCl (mL/min) = (140 - age) × weight (kg) / (72 × SCr (mg/dL)),
 * × 0.85 for women. The weight is actual body weight, as in the original study.
 */
const creatinineClearance = defineTool<
  CreatinineArgs & { weight: number; weight_unit: 'kg' | 'lb' }
>({
  name: 'creatinine_clearance',
  description: 'Returns the Cockcroft-Gault estimate of creatinine clearance in mL/min.',
  category: 'healthcare',
  tier: 'free',
  tags: ['kidney', 'creatinine', 'dosing', 'renal'],
  inputSchema: {
    type: 'object',
    properties: { ...creatinineProperties, ...weightProperties },
    required: ['serum_creatinine', 'age', 'sex', 'weight'],
    additionalProperties: false,
  },
  run(args) {
    const creatinine = creatinineMilligrams(args);
    const sexFactor = args.sex === 'female' ? 0.85 : 1;
    const clearance = ((140 - args.age) * kilograms(args) * sexFactor) / (72 * creatinine);

    return {
      creatinine_clearance: round(clearance, 1),
      unit: 'mL/min',
      serum_creatinine_mg_dl: round(creatinine, 3),
      source: 'Cockcroft DW, Gault MH. Nephron 1976;16(1):31-41',
    };
  },
});

/** KDIGO 2012 GFR categories, in mL/min/1.73 m². */
const gfrCategories: { atLeast: number; category: string; description: string }[] = [
  { atLeast: 90, category: 'G1', description: 'normal or high' },
  { atLeast: 60, category: 'G2', description: 'mildly decreased' },
  { atLeast: 45, category: 'G3a', description: 'mildly to moderately decreased' },
  { atLeast: 30, category: 'G3b', description: 'moderately to severely decreased' },
  { atLeast: 15, category: 'G4', description: 'severely decreased' },
  { atLeast: Number.NEGATIVE_INFINITY, category: 'G5', description: 'kidney failure' },
];

/*
 * Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C-based equations to
 * estimate GFR without race. N Engl J Med 2021;385:1737-1749. eGFRcr = 142 ×
 * min(SCr/κ, 1)^α × max(SCr/κ, 1)^-1.200 × 0.9938^age × 1.012 (female), with κ = 0.7 and
 * α = -0.241 for women, κ = 0.9 and α = -0.302 for men; SCr in mg/dL.
 */
const egfrCkdEpi2021 = defineTool<CreatinineArgs>({
  name: 'egfr_ckd_epi_2021',
  description:
    'Returns the race-free 2021 CKD-EPI creatinine estimate of GFR in mL/min/1.73 m² with its KDIGO GFR category.',
  category: 'healthcare',
  tier: 'free',
  tags: ['kidney', 'egfr', 'creatinine', 'ckd'],
  inputSchema: {
    type: 'object',
    properties: creatinineProperties,
    required: ['serum_creatinine', 'age', 'sex'],
    additionalProperties: false,
  },
  run(args) {
    const creatinine = creatinineMilligrams(args);
    const female = args.sex === 'female';
    const kappa = female ? 0.7 : 0.9;
    const alpha = female ? -0.241 : -0.302;
    const ratio = creatinine / kappa;
    const egfr =
      142 *
      Math.min(ratio, 1) ** alpha *
      Math.max(ratio, 1) ** -1.2 *
      0.9938 ** args.age *
      (female ? 1.012 : 1);
    // Laboratories report eGFR as a whole number, and the category follows the reported value.
    const reported = Math.round(egfr);
    const category = gfrCategories.find(
      (entry) => reported >= entry.atLeast,
    ) as (typeof gfrCategories)[number];

    return {
      egfr: reported,
      unit: 'mL/min/1.73 m²',
      gfr_category: category.category,
      gfr_category_description: category.description,
      source: 'Inker LA et al. N Engl J Med 2021;385:1737-1749 (CKD-EPI 2021 creatinine equation)',
    };
  },
});

/*
 * Mosteller RD. Simplified calculation of body-surface area. N Engl J Med
 * 1987;317(17):1098: BSA (m²) = √(height (cm) × weight (kg) / 3600).
 * Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and
 * weight be known. Arch Intern Med 1916;17(6_2):863-871: BSA (m²) = 0.007184 ×
 * weight (kg)^0.425 × height (cm)^0.725.
 */
const bodySurfaceArea = defineTool<BodyArgs>({
  name: 'body_surface_area',
  description:
    'Returns the body surface area in m² by the Mosteller (1987) and Du Bois (1916) formulas.',
  category: 'healthcare',
  tier: 'free',
  tags: ['bsa', 'dosing', 'oncology', 'body'],
  inputSchema: {
    type: 'object',
    properties: { ...weightProperties, ...heightProperties },
    required: ['weight', 'height'],
    additionalProperties: false,
  },
  run(args) {
    const weight = kilograms(args);
    const height = centimetres(args);

    return {
      mosteller: round(Math.sqrt((height * weight) / 3600), 3),
      du_bois: round(0.007184 * weight ** 0.425 * height ** 0.725, 3),
      unit: 'm²',
      source:
        'Mosteller RD. N Engl J Med 1987;317(17):1098; Du Bois D, Du Bois EF. Arch Intern Med 1916;17(6_2):863-871',
    };
  },
});

interface QtcArgs {
  qt: number;
  heart_rate?: number;
  rr_interval?: number;
}

/*
 * RR in seconds throughout.
 * Bazett HC. An analysis of the time-relations of electrocardiograms. Heart 1920;7:353-370:
 *   QTc = QT / √RR.
 * Fridericia LS. Die Systolendauer im Elektrokardiogramm bei normalen Menschen und bei
 *   Herzkranken. Acta Med Scand 1920;53:469-486: QTc = QT / ∛RR.
 * Sagie A, Larson MG, Goldberg RJ, Bengtson JR, Levy D. An improved method for adjusting the
 *   QT interval for heart rate (the Framingham Heart Study). Am J Cardiol 1992;70:797-801:
 *   QTc = QT + 0.154 s × (1 - RR).
 * Hodges M, Salerno D, Erlien D. Bazett's QT correction reviewed: evidence that a linear QT
 *   correction for heart rate is better. J Am Coll Cardiol 1983;1:694: QTc = QT + 1.75 ms ×
 *   (heart rate - 60).
 */
const qtc = defineTool<QtcArgs>({
  name: 'qtc',
  description:
    'Returns the QT interval corrected for heart rate in ms by the Bazett, Fridericia, Framingham and Hodges formulas.',
  category: 'healthcare',
  tier: 'free',
  tags: ['ecg', 'qt', 'cardiology', 'qtc'],
  inputSchema: {
    type: 'object',
    properties: {
      qt: {
        type: 'number',
        minimum: 100,
        maximum: 1000,
        description: 'Measured QT interval in ms.',
      },
      heart_rate: {
        type: 'number',
        minimum: 20,
        maximum: 300,
        description: 'Heart rate in beats per minute.',
      },
      rr_interval: {
        type: 'number',
        minimum: 200,
        maximum: 3000,
        description: 'RR interval in ms, instead of heart_rate.',
      },
    },
    required: ['qt'],
    additionalProperties: false,
  },
  run(args) {
    if ((args.heart_rate === undefined) === (args.rr_interval === undefined)) {
      throw new ToolError('give exactly one of heart_rate (beats per minute) and rr_interval (ms)');
    }
    const rrSeconds =
      args.rr_interval === undefined ? 60 / (args.heart_rate as number) : args.rr_interval / 1000;
    const heartRate = 60 / rrSeconds;

    return {
      bazett: round(args.qt / Math.sqrt(rrSeconds), 1),
      fridericia: round(args.qt / Math.cbrt(rrSeconds), 1),
      framingham: round(args.qt + 154 * (1 - rrSeconds), 1),
      hodges: round(args.qt + 1.75 * (heartRate - 60), 1),
      unit: 'ms',
      rr_interval: round(rrSeconds * 1000, 1),
      heart_rate: round(heartRate, 1),
      source:
        'Bazett, Heart 1920;7:353-370; Fridericia, Acta Med Scand 1920;53:469-486; Sagie et al., Am J Cardiol 1992;70:797-801; Hodges et al., J Am Coll Cardiol 1983;1:694',
    };
  },
});

interface PressureArgs {
  systolic: number;
  diastolic: number;
}

/*
 * The usual cuff estimate adds a third of the pulse pressure to the diastolic pressure.
 * Meaney E, Alva F, Moguel R, Meaney A, Alva J, Webel R. Formula and nomogram for the
 * sphygmomanometric calculation of the mean arterial pressure. Heart 2000;84(1):64 found
 * 0.412 of the pulse pressure closer to catheter measurements.
 */
const meanArterialPressure = defineTool<PressureArgs>({
  name: 'mean_arterial_pressure',
  description:
    'Returns the mean arterial pressure in mmHg from a cuff reading, by the one-third rule and by Meaney et al. (2000), with the pulse pressure.',
  category: 'healthcare',
  tier: 'free',
  tags: ['blood', 'pressure', 'map', 'cardiology'],
  inputSchema: {
    type: 'object',
    properties: {
      systolic: {
        type: 'number',
        minimum: 40,
        maximum: 300,
        description: 'Systolic pressure in mmHg.',
      },
      diastolic: {
        type: 'number',
        minimum: 10,
        maximum: 200,
        description: 'Diastolic pressure in mmHg.',
      },
    },
    required: ['systolic', 'diastolic'],
    additionalProperties: false,
  },
  run(args) {
    if (args.diastolic >= args.systolic) {
      throw new ToolError(
        `diastolic (${args.diastolic} mmHg) must be below systolic (${args.systolic} mmHg)`,
      );
    }
    const pulsePressure = args.systolic - args.diastolic;

    return {
      mean_arterial_pressure: round(args.diastolic + pulsePressure / 3, 1),
      mean_arterial_pressure_meaney: round(args.diastolic + 0.412 * pulsePressure, 1),
      pulse_pressure: pulsePressure,
      unit: 'mmHg',
      source:
        'diastolic + pulse pressure / 3; Meaney E et al. Heart 2000;84(1):64 (diastolic + 0.412 × pulse pressure)',
    };
  },
});

export const healthcareTools: BuiltinTool[] = [
  bmi,
  creatinineClearance,
  egfrCkdEpi2021,
  bodySurfaceArea,
  qtc,
  meanArterialPressure,
];

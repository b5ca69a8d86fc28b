import { describe, expect, it } from 'vitest';
import { healthcareTools } from '../../../src/tools/builtin/healthcare.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = healthcareTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no healthcare tool named ${name}`);
  }

  return found;
}

describe('bmi', () => {
  it('matches the WHO worked example', async () => {
    // WHO: an adult of 70 kg and 1.75 m has a BMI of 22.9.
    const result = await runTool(tool('bmi'), { weight: 70, height: 175 });

    expect(result).toEqual({
      bmi: 22.86,
      unit: 'kg/m²',
      category: 'normal',
      who_class: 'normal range',
      source: 'WHO international classification of adult BMI (WHO 1995, 2000 and 2004)',
    });
  });

  it('converts pounds and inches', async () => {
    const result = await runTool(tool('bmi'), {
      weight: 200,
      weight_unit: 'lb',
      height: 70,
      height_unit: 'in',
    });

    expect(result.bmi).toBe(28.7);
    expect(result.who_class).toBe('pre-obese');
  });

  it('classifies 25.00 as pre-obese', async () => {
    const result = await runTool(tool('bmi'), { weight: 64, height: 160 });

    expect(result.bmi).toBe(25);
    expect(result.category).toBe('overweight');
  });

  it('grades thinness and obesity', async () => {
    const thin = await runTool(tool('bmi'), { weight: 45, height: 170 });
    const obese = await runTool(tool('bmi'), { weight: 100, height: 180 });

    expect(thin.bmi).toBe(15.57);
    expect(thin.who_class).toBe('severe thinness');
    expect(obese.bmi).toBe(30.86);
    expect(obese.who_class).toBe('obese class I');
  });

  it('rejects an implausible height', async () => {
    await expect(
      runTool(tool('bmi'), { weight: 70, height: 5, height_unit: 'in' }),
    ).rejects.toThrow('height must be from 30 to 272 cm (12 to 107 in), got 5 in');
  });

  it('rejects a zero weight', async () => {
    await expect(runTool(tool('bmi'), { weight: 0, height: 170 })).rejects.toThrow(
      /Invalid tool arguments/,
    );
  });
});

describe('creatinine_clearance', () => {
  it('gives 80 mL/min for the reference man', async () => {
    const result = await runTool(tool('creatinine_clearance'), {
      serum_creatinine: 1.0,
      age: 60,
      sex: 'male',
      weight: 72,
    });

    expect(result).toEqual({
      creatinine_clearance: 80,
      unit: 'mL/min',
      serum_creatinine_mg_dl: 1,
      source: 'Cockcroft DW, Gault MH. Nephron 1976;16(1):31-41',
    });
  });

  it('applies 0.85 for women', async () => {
    const result = await runTool(tool('creatinine_clearance'), {
      serum_creatinine: 1.0,
      age: 60,
      sex: 'female',
      weight: 72,
    });

    expect(result.creatinine_clearance).toBe(68);
  });

  it('converts µmol/L', async () => {
    const result = await runTool(tool('creatinine_clearance'), {
      serum_creatinine: 106.08,
      creatinine_unit: 'umol/L',
      age: 80,
      sex: 'female',
      weight: 60,
    });

    expect(result.serum_creatinine_mg_dl).toBe(1.2);
    expect(result.creatinine_clearance).toBe(35.4);
  });

  it('rejects creatinine out of range', async () => {
    await expect(
      runTool(tool('creatinine_clearance'), {
        serum_creatinine: 90,
        age: 60,
        sex: 'male',
        weight: 72,
      }),
    ).rejects.toThrow(
      'serum_creatinine must be from 0.1 to 30 mg/dL (8.84 to 2652 µmol/L), got 90 mg/dL',
    );
  });

  it('rejects a child', async () => {
    await expect(
      runTool(tool('creatinine_clearance'), {
        serum_creatinine: 0.5,
        age: 10,
        sex: 'male',
        weight: 30,
      }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('egfr_ckd_epi_2021', () => {
  it('estimates a 50-year-old man', async () => {
    // 142 × (1.0 / 0.9)^-1.200 × 0.9938^50 = 91.69
    const result = await runTool(tool('egfr_ckd_epi_2021'), {
      serum_creatinine: 1.0,
      age: 50,
      sex: 'male',
    });

    expect(result).toEqual({
      egfr: 92,
      unit: 'mL/min/1.73 m²',
      gfr_category: 'G1',
      gfr_category_description: 'normal or high',
      source: 'Inker LA et al. N Engl J Med 2021;385:1737-1749 (CKD-EPI 2021 creatinine equation)',
    });
  });

  it('uses the female coefficients', async () => {
    // 142 × (0.9 / 0.7)^-1.200 × 0.9938^55 × 1.012 = 75.50
    const result = await runTool(tool('egfr_ckd_epi_2021'), {
      serum_creatinine: 0.9,
      age: 55,
      sex: 'female',
    });

    expect(result.egfr).toBe(75);
    expect(result.gfr_category).toBe('G2');
  });

  it('uses alpha below kappa', async () => {
    // 142 × (0.6 / 0.7)^-0.241 × 0.9938^30 × 1.012 = 123.76
    const result = await runTool(tool('egfr_ckd_epi_2021'), {
      serum_creatinine: 0.6,
      age: 30,
      sex: 'female',
    });

    expect(result.egfr).toBe(124);
  });

  it('stages severe decrease', async () => {
    // 142 × (2.5 / 0.9)^-1.200 × 0.9938^70 = 26.96
    const result = await runTool(tool('egfr_ckd_epi_2021'), {
      serum_creatinine: 221,
      creatinine_unit: 'umol/L',
      age: 70,
      sex: 'male',
    });

    expect(result.egfr).toBe(27);
    expect(result.gfr_category).toBe('G4');
  });

  it('rejects a missing sex', async () => {
    await expect(
      runTool(tool('egfr_ckd_epi_2021'), { serum_creatinine: 1, age: 50 }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('body_surface_area', () => {
  it('gives 2.0 m² for 180 cm and 80 kg', async () => {
    const result = await runTool(tool('body_surface_area'), { weight: 80, height: 180 });

    expect(result).toEqual({
      mosteller: 2,
      du_bois: 1.996,
      unit: 'm²',
      source:
        'Mosteller RD. N Engl J Med 1987;317(17):1098; Du Bois D, Du Bois EF. Arch Intern Med 1916;17(6_2):863-871',
    });
  });

  it('converts pounds and inches', async () => {
    const result = await runTool(tool('body_surface_area'), {
      weight: 200,
      weight_unit: 'lb',
      height: 70,
      height_unit: 'in',
    });

    expect(result.mosteller).toBe(2.117);
    expect(result.du_bois).toBe(2.087);
  });

  it('rejects extra arguments', async () => {
    await expect(
      runTool(tool('body_surface_area'), { weight: 80, height: 180, formula: 'x' }),
    ).rejects.toThrow(/Invalid tool arguments/);
  });
});

describe('qtc', () => {
  it('corrects at 75 beats per minute', async () => {
    const result = await runTool(tool('qtc'), { qt: 400, heart_rate: 75 });

    expect(result).toEqual({
      bazett: 447.2,
      fridericia: 430.9,
      framingham: 430.8,
      hodges: 426.3,
      unit: 'ms',
      rr_interval: 800,
      heart_rate: 75,
      source:
        'Bazett, Heart 1920;7:353-370; Fridericia, Acta Med Scand 1920;53:469-486; Sagie et al., Am J Cardiol 1992;70:797-801; Hodges et al., J Am Coll Cardiol 1983;1:694',
    });
  });

  it('accepts an RR interval', async () => {
    const result = await runTool(tool('qtc'), { qt: 400, rr_interval: 800 });

    expect(result.bazett).toBe(447.2);
    expect(result.heart_rate).toBe(75);
  });

  it('leaves QT unchanged at 60 beats per minute', async () => {
    const result = await runTool(tool('qtc'), { qt: 380, heart_rate: 60 });

    expect([result.bazett, result.fridericia, result.framingham, result.hodges]).toEqual([
      380, 380, 380, 380,
    ]);
  });

  it('rejects both rate and interval', async () => {
    await expect(
      runTool(tool('qtc'), { qt: 400, heart_rate: 75, rr_interval: 800 }),
    ).rejects.toThrow('give exactly one of heart_rate (beats per minute) and rr_interval (ms)');
  });

  it('rejects neither rate nor interval', async () => {
    await expect(runTool(tool('qtc'), { qt: 400 })).rejects.toThrow(
      'give exactly one of heart_rate',
    );
  });
});

describe('mean_arterial_pressure', () => {
  it('estimates 120/80', async () => {
    const result = await runTool(tool('mean_arterial_pressure'), { systolic: 120, diastolic: 80 });

    expect(result).toEqual({
      mean_arterial_pressure: 93.3,
      mean_arterial_pressure_meaney: 96.5,
      pulse_pressure: 40,
      unit: 'mmHg',
      source:
        'diastolic + pulse pressure / 3; Meaney E et al. Heart 2000;84(1):64 (diastolic + 0.412 × pulse pressure)',
    });
  });

  it('rejects diastolic above systolic', async () => {
    await expect(
      runTool(tool('mean_arterial_pressure'), { systolic: 80, diastolic: 120 }),
    ).rejects.toThrow('diastolic (120 mmHg) must be below systolic (80 mmHg)');
  });
});

import { describe, expect, it } from 'vitest';
import { educationTools } from '../../../src/tools/builtin/education.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = educationTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no education tool named ${name}`);
  }

  return found;
}

describe('readability_score', () => {
  it('scores a two-sentence text', async () => {
    // Words: Readability (5 syllables), formulas (3), estimate (3), difficulty (4), Short (1),
    // words (1), help (1): 7 words, 18 syllables, 2 sentences.
    // Reading ease = 206.835 − 1.015 × 3.5 − 84.6 × 18/7 = 206.835 − 3.5525 − 217.5429 = −14.26.
    // Grade = 0.39 × 3.5 + 11.8 × 18/7 − 15.59 = 1.365 + 30.3429 − 15.59 = 16.12.
    const result = await runTool(tool('readability_score'), {
      text: 'Readability formulas estimate difficulty. Short words help.',
    });

    expect(result).toEqual({
      words: 7,
      sentences: 2,
      syllables: 18,
      words_per_sentence: 3.5,
      syllables_per_word: 2.57,
      flesch_reading_ease: -14.26,
      reading_ease_band: 'very difficult',
      flesch_kincaid_grade: 16.12,
    });
  });

  it('scores one-syllable words as very easy', async () => {
    // 6 words of one syllable in 1 sentence: 206.835 − 1.015 × 6 − 84.6 = 116.145, and
    // grade 0.39 × 6 + 11.8 − 15.59 = −1.45.
    const result = await runTool(tool('readability_score'), { text: 'The cat sat on the mat.' });

    expect(result.flesch_reading_ease).toBeCloseTo(116.145, 1);
    expect(result.flesch_kincaid_grade).toBe(-1.45);
    expect(result.reading_ease_band).toBe('very easy');
  });

  it('rejects text without words', async () => {
    await expect(runTool(tool('readability_score'), { text: '1975. 2024!' })).rejects.toThrow(
      'text contains no words to score',
    );
  });
});

describe('grade_average', () => {
  it('weights items and assigns a letter', async () => {
    // 90% × 0.5 + 80% × 0.3 + 90% × 0.2 = 45 + 24 + 18 = 87%, a B on the ten-point scale.
    const result = await runTool(tool('grade_average'), {
      items: [
        { name: 'final', score: 90, weight: 0.5 },
        { name: 'midterm', score: 40, max_score: 50, weight: 0.3 },
        { name: 'homework', score: 18, max_score: 20, weight: 0.2 },
      ],
    });

    expect(result).toEqual({
      percentage: 87,
      letter: 'B',
      total_weight: 1,
      items: [
        { name: 'final', percentage: 90, weight: 0.5, contribution: 45 },
        { name: 'midterm', percentage: 80, weight: 0.3, contribution: 24 },
        { name: 'homework', percentage: 90, weight: 0.2, contribution: 18 },
      ],
    });
  });

  it('uses a custom scale', async () => {
    const result = await runTool(tool('grade_average'), {
      items: [{ score: 55 }],
      scale: [
        { letter: 'pass', min_percent: 50 },
        { letter: 'fail', min_percent: 0 },
      ],
    });

    expect(result.letter).toBe('pass');
  });

  it('rejects a total weight of zero', async () => {
    await expect(
      runTool(tool('grade_average'), { items: [{ score: 50, weight: 0 }] }),
    ).rejects.toThrow('items have a total weight of 0');
  });

  it('rejects a negative score', async () => {
    await expect(runTool(tool('grade_average'), { items: [{ score: -1 }] })).rejects.toThrow(
      'args.items.0.score must be >= 0',
    );
  });
});

describe('flashcard_schedule', () => {
  it('follows SM-2 through three reviews', async () => {
    // I(1) = 1 and I(2) = 6. EF rises by 0.1 at quality 5 and stays the same at quality 4.
    const first = await runTool(tool('flashcard_schedule'), { quality: 5 });
    const second = await runTool(tool('flashcard_schedule'), {
      quality: 5,
      repetitions: first.repetitions,
      ease_factor: first.ease_factor,
      interval_days: first.interval_days,
    });
    // I(3) = ceil(6 × 2.7) = ceil(16.2) = 17 days, and 2024-02-27 + 17 days crosses 29 February.
    const third = await runTool(tool('flashcard_schedule'), {
      quality: 4,
      repetitions: second.repetitions,
      ease_factor: second.ease_factor,
      interval_days: second.interval_days,
      review_date: '2024-02-27',
    });

    expect(first).toMatchObject({ repetitions: 1, ease_factor: 2.6, interval_days: 1 });
    expect(second).toMatchObject({ repetitions: 2, ease_factor: 2.7, interval_days: 6 });
    expect(third).toEqual({
      quality: 4,
      repetitions: 3,
      ease_factor: 2.7,
      interval_days: 17,
      next_review_date: '2024-03-15',
      repeat_today: false,
    });
  });

  it('lowers EF but not below 1.3', async () => {
    // Quality 3 changes EF by 0.1 − 2 × (0.08 + 2 × 0.02) = −0.14.
    const lowered = await runTool(tool('flashcard_schedule'), {
      quality: 3,
      repetitions: 3,
      ease_factor: 2.5,
      interval_days: 10,
    });
    const floored = await runTool(tool('flashcard_schedule'), {
      quality: 3,
      repetitions: 3,
      ease_factor: 1.35,
      interval_days: 10,
    });

    expect(lowered.ease_factor).toBe(2.36);
    expect(lowered.interval_days).toBe(25);
    expect(lowered.repeat_today).toBe(true);
    expect(floored.ease_factor).toBe(1.3);
  });

  it('restarts a forgotten card without changing EF', async () => {
    const result = await runTool(tool('flashcard_schedule'), {
      quality: 1,
      repetitions: 5,
      ease_factor: 2.2,
      interval_days: 40,
    });

    expect(result).toMatchObject({ repetitions: 0, ease_factor: 2.2, interval_days: 1 });
  });

  it('rejects a quality above 5', async () => {
    await expect(runTool(tool('flashcard_schedule'), { quality: 6 })).rejects.toThrow(
      'args.quality must be <= 5',
    );
  });

  it('rejects an invalid date', async () => {
    await expect(
      runTool(tool('flashcard_schedule'), { quality: 4, review_date: '2024-02-30' }),
    ).rejects.toThrow('args.review_date must match format "date"');
  });
});

describe('quiz_score', () => {
  it('marks answers against the key', async () => {
    const result = await runTool(tool('quiz_score'), {
      questions: [
        { id: 'capital', answer: '  Paris ', correct_answer: 'paris' },
        { id: 'count', answer: 'TEN', correct_answer: ['10', 'ten'], points: 2 },
        { id: 'blank', answer: null, correct_answer: 'x' },
        { id: 'wrong', answer: 'no', correct_answer: 'yes' },
      ],
      pass_percent: 60,
    });

    expect(result).toEqual({
      score: 3,
      max_score: 5,
      percentage: 60,
      correct_count: 2,
      incorrect_count: 1,
      unanswered_count: 1,
      passed: true,
      questions: [
        { id: 'capital', answered: true, correct: true, points_awarded: 1 },
        { id: 'count', answered: true, correct: true, points_awarded: 2 },
        { id: 'blank', answered: false, correct: false, points_awarded: 0 },
        { id: 'wrong', answered: true, correct: false, points_awarded: 0 },
      ],
    });
  });

  it('compares case when asked', async () => {
    const result = await runTool(tool('quiz_score'), {
      questions: [{ answer: 'paris', correct_answer: 'Paris' }],
      case_sensitive: true,
    });

    expect(result.correct_count).toBe(0);
    expect(result.passed).toBeNull();
  });

  it('rejects a question without a key', async () => {
    await expect(runTool(tool('quiz_score'), { questions: [{ answer: 'a' }] })).rejects.toThrow(
      'args.questions.0.correct_answer is required',
    );
  });
});

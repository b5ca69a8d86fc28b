import { syllable } from 'syllable';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';
import { countSentences, segmentWords } from './text.js';

interface ReadabilityArgs {
  text: string;
}

/**
 * Difficulty bands of the Flesch Reading Ease score, from Flesch R. (1948), "A new readability
 * yardstick", Journal of Applied Psychology 32(3), 221–233. Each entry is a lower bound.
 */
const readingEaseBands: [number, string][] = [
  [90, 'very easy'],
  [80, 'easy'],
  [70, 'fairly easy'],
  [60, 'standard'],
  [50, 'fairly difficult'],
  [30, 'difficult'],
];

function describeReadingEase(score: number): string {
  return readingEaseBands.find(([lowerBound]) => score >= lowerBound)?.[1] ?? 'very difficult';
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;

  return Math.round(value * factor) / factor;
}

const readabilityScore = defineTool<ReadabilityArgs>({
  name: 'readability_score',
  description:
    'Scores English text with the Flesch Reading Ease and Flesch–Kincaid grade level formulas, with the counts they use.',
  category: 'education',
  tier: 'free',
  tags: ['readability', 'flesch', 'writing', 'education'],
  inputSchema: {
    type: 'object',
    properties: {
      text: {
        type: 'string',
        description: 'English prose of at least one sentence',
        minLength: 1,
        maxLength: 200_000,
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  run(args) {
    // Tokens without a letter, such as "1975", are left out, because the syllable counter
    // cannot count syllables in digits.
    const words = segmentWords(args.text).filter((word) => /\p{L}/u.test(word));
    const sentences = countSentences(args.text);
    if (words.length === 0 || sentences === 0) {
      throw new ToolError('text contains no words to score');
    }
    const syllables = words.reduce((total, word) => total + syllable(word), 0);
    const wordsPerSentence = words.length / sentences;
    const syllablesPerWord = syllables / words.length;
    // Flesch (1948): reading ease = 206.835 − 1.015 (words/sentences) − 84.6 (syllables/words).
    const readingEase = 206.835 - 1.015 * wordsPerSentence - 84.6 * syllablesPerWord;
    // Kincaid J.P., Fishburne R.P., Rogers R.L. & Chissom B.S. (1975), "Derivation of new
    // readability formulas (Automated Readability Index, Fog Count and Flesch Reading Ease
    // formula) for Navy enlisted personnel", Research Branch Report 8-75, Naval Technical
    // Training Command: grade = 0.39 (words/sentences) + 11.8 (syllables/words) − 15.59.
    const gradeLevel = 0.39 * wordsPerSentence + 11.8 * syllablesPerWord - 15.59;

    return {
      words: words.length,
      sentences,
      syllables,
      words_per_sentence: roundTo(wordsPerSentence, 2),
      syllables_per_word: roundTo(syllablesPerWord, 2),
      flesch_reading_ease: roundTo(readingEase, 2),
      reading_ease_band: describeReadingEase(readingEase),
      flesch_kincaid_grade: roundTo(gradeLevel, 2),
    };
  },
});

interface GradeItem {
  name?: string;
  score: number;
  max_score: number;
  weight: number;
}

interface GradeBoundary {
  letter: string;
  min_percent: number;
}

interface GradeAverageArgs {
  items: GradeItem[];
  scale?: GradeBoundary[];
}

/** The common US ten-point letter scale. Schools vary, so callers may pass their own. */
const defaultScale: GradeBoundary[] = [
  { letter: 'A', min_percent: 90 },
  { letter: 'B', min_percent: 80 },
  { letter: 'C', min_percent: 70 },
  { letter: 'D', min_percent: 60 },
  { letter: 'F', min_percent: 0 },
];

const gradeAverage = defineTool<GradeAverageArgs>({
  name: 'grade_average',
  description:
    'Computes the weighted average percentage of graded items and the letter grade it earns on a grading scale.',
  category: 'education',
  tier: 'free',
  tags: ['grades', 'average', 'weighted', 'education'],
  inputSchema: {
    type: 'object',
    properties: {
      items: {
        type: 'array',
        description: 'Graded items such as assignments or exams',
        minItems: 1,
        maxItems: 500,
        items: {
          type: 'object',
          properties: {
            name: { type: 'string', description: 'Label of the item', maxLength: 200 },
            score: {
              type: 'number',
              description: 'Points earned, which may exceed max_score for extra credit',
              minimum: 0,
            },
            max_score: {
              type: 'number',
              description: 'Points possible',
              exclusiveMinimum: 0,
              default: 100,
            },
            weight: {
              type: 'number',
              description: 'Relative weight, such as 0.3 or 30 for 30%',
              minimum: 0,
              default: 1,
            },
          },
          required: ['score'],
          additionalProperties: false,
        },
      },
      scale: {
        type: 'array',
        description:
          'Letter grades with their minimum percentage. Defaults to A 90, B 80, C 70, D 60, F 0',
        minItems: 1,
        maxItems: 30,
        items: {
          type: 'object',
          properties: {
            letter: { type: 'string', description: 'Grade label', minLength: 1, maxLength: 10 },
            min_percent: {
              type: 'number',
              description: 'Lowest percentage that earns it',
              minimum: 0,
              maximum: 100,
            },
          },
          required: ['letter', 'min_percent'],
          additionalProperties: false,
        },
      },
    },
    required: ['items'],
    additionalProperties: false,
  },
  run(args) {
    const totalWeight = args.items.reduce((total, item) => total + item.weight, 0);
    if (totalWeight === 0) {
      throw new ToolError(
        'items have a total weight of 0. Give at least one item a positive weight',
      );
    }
    const items = args.items.map((item) => {
      const percentage = (item.score / item.max_score) * 100;

      return {
        name: item.name ?? null,
        percentage: roundTo(percentage, 2),
        weight: item.weight,
        // Percentage points this item adds to the weighted average.
        contribution: roundTo((percentage * item.weight) / totalWeight, 2),
      };
    });
    const average =
      args.items.reduce((total, item) => total + (item.score / item.max_score) * item.weight, 0) /
      totalWeight;
    const percentage = average * 100;
    const scale = [...(args.scale ?? defaultScale)].sort((a, b) => b.min_percent - a.min_percent);
    const letter = scale.find((boundary) => percentage >= boundary.min_percent)?.letter ?? null;

    return { percentage: roundTo(percentage, 2), letter, total_weight: totalWeight, items };
  },
});

interface FlashcardScheduleArgs {
  quality: number;
  repetitions: number;
  ease_factor: number;
  interval_days: number;
  review_date?: string;
}

/** Rounds away binary noise, so that 6 × 2.7 gives 16.2 and not 16.200000000000003 before ceil. */
function roundNoise(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);

  return date.toISOString().slice(0, 10);
}

const flashcardSchedule = defineTool<FlashcardScheduleArgs>({
  name: 'flashcard_schedule',
  description:
    'Schedules the next review of a flashcard with the SM-2 spaced repetition algorithm and returns the new interval and ease factor.',
  category: 'education',
  tier: 'free',
  tags: ['flashcards', 'spaced', 'repetition', 'education'],
  inputSchema: {
    type: 'object',
    properties: {
      quality: {
        type: 'integer',
        description:
          'Recall quality from 0 (complete blackout) to 5 (perfect). 3 or more counts as recalled',
        minimum: 0,
        maximum: 5,
      },
      repetitions: {
        type: 'integer',
        description: 'Successful reviews in a row before this one, or 0 for a new card',
        minimum: 0,
        maximum: 10_000,
        default: 0,
      },
      ease_factor: {
        type: 'number',
        description: 'E-Factor before this review, or 2.5 for a new card',
        minimum: 1.3,
        maximum: 10,
        default: 2.5,
      },
      interval_days: {
        type: 'integer',
        description: 'Interval in days that led to this review, or 0 for a new card',
        minimum: 0,
        maximum: 100_000,
        default: 0,
      },
      review_date: {
        type: 'string',
        description: 'Date of this review (YYYY-MM-DD), to compute the next review date',
        format: 'date',
      },
    },
    required: ['quality'],
    additionalProperties: false,
  },
  run(args) {
    // SM-2 from Wozniak P.A. (1990), "Optimization of learning", master's thesis, University of
    // Technology in Poznań. Intervals are I(1) = 1, I(2) = 6 and I(n) = I(n-1) × EF, rounded up.
    // After a response q of 3 or more, EF' = EF + (0.1 − (5−q)(0.08 + (5−q)·0.02)), never below
    // 1.3. A response below 3 restarts the repetitions without changing EF.
    // NOTE: the description leaves open whether I(n) uses EF before or after this review's
    // update. This follows the common reading and multiplies by the EF before it.
    const recalled = args.quality >= 3;
    let repetitions: number;
    let interval: number;
    let easeFactor = args.ease_factor;
    if (recalled) {
      if (args.repetitions === 0) {
        interval = 1;
      } else if (args.repetitions === 1) {
        interval = 6;
      } else {
        interval = Math.ceil(roundNoise(args.interval_days * args.ease_factor));
      }
      repetitions = args.repetitions + 1;
      const shortfall = 5 - args.quality;
      easeFactor = Math.max(
        1.3,
        roundNoise(easeFactor + (0.1 - shortfall * (0.08 + shortfall * 0.02))),
      );
    } else {
      repetitions = 0;
      interval = 1;
    }

    return {
      quality: args.quality,
      repetitions,
      ease_factor: easeFactor,
      interval_days: interval,
      next_review_date: args.review_date === undefined ? null : addDays(args.review_date, interval),
      // SM-2 repeats items scored below 4 again in the same session until they reach 4.
      repeat_today: args.quality < 4,
    };
  },
});

interface QuizQuestion {
  id?: string;
  answer?: string | null;
  correct_answer: string | string[];
  points: number;
}

interface QuizScoreArgs {
  questions: QuizQuestion[];
  case_sensitive: boolean;
  pass_percent?: number;
}

const quizScore = defineTool<QuizScoreArgs>({
  name: 'quiz_score',
  description:
    'Marks answers against an answer key and returns the score, percentage, pass result and the outcome of each question.',
  category: 'education',
  tier: 'free',
  tags: ['quiz', 'grading', 'score', 'education'],
  inputSchema: {
    type: 'object',
    properties: {
      questions: {
        type: 'array',
        description: 'Questions with the given answer and the accepted answers',
        minItems: 1,
        maxItems: 1_000,
        items: {
          type: 'object',
          properties: {
            id: { type: 'string', description: 'Question label', maxLength: 200 },
            answer: {
              type: ['string', 'null'],
              description: 'Answer given, or null or blank when unanswered',
              maxLength: 10_000,
            },
            correct_answer: {
              type: ['string', 'array'],
              description: 'Accepted answer, or a list of accepted answers',
              maxLength: 10_000,
              items: { type: 'string', maxLength: 10_000 },
              minItems: 1,
              maxItems: 50,
            },
            points: {
              type: 'number',
              description: 'Points for a correct answer',
              minimum: 0,
              default: 1,
            },
          },
          required: ['correct_answer'],
          additionalProperties: false,
        },
      },
      case_sensitive: {
        type: 'boolean',
        description: 'Compare letter case. Surrounding and repeated whitespace is always ignored',
        default: false,
      },
      pass_percent: {
        type: 'number',
        description: 'Percentage needed to pass',
        minimum: 0,
        maximum: 100,
      },
    },
    required: ['questions'],
    additionalProperties: false,
  },
  run(args) {
    const normalize = (text: string) => {
      const collapsed = text.trim().replace(/\s+/g, ' ');

      return args.case_sensitive ? collapsed : collapsed.toLocaleLowerCase('en');
    };
    let score = 0;
    let maxScore = 0;
    let correctCount = 0;
    let unansweredCount = 0;
    const questions = args.questions.map((question, index) => {
      const accepted = (
        Array.isArray(question.correct_answer) ? question.correct_answer : [question.correct_answer]
      ).map(normalize);
      const given = question.answer == null ? '' : normalize(question.answer);
      const answered = given !== '';
      const correct = answered && accepted.includes(given);
      maxScore += question.points;
      if (correct) {
        score += question.points;
        correctCount += 1;
      }
      if (!answered) {
        unansweredCount += 1;
      }

      return {
        id: question.id ?? String(index + 1),
        answered,
        correct,
        points_awarded: correct ? question.points : 0,
      };
    });
    const percentage = maxScore === 0 ? 0 : (score / maxScore) * 100;

    return {
      score,
      max_score: maxScore,
      percentage: roundTo(percentage, 2),
      correct_count: correctCount,
      incorrect_count: questions.length - correctCount - unansweredCount,
      unanswered_count: unansweredCount,
      passed: args.pass_percent === undefined ? null : percentage >= args.pass_percent,
      questions,
    };
  },
});

export const educationTools: BuiltinTool[] = [
  readabilityScore,
  gradeAverage,
  flashcardSchedule,
  quizScore,
];

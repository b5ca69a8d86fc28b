import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { builtinTools } from '../../../src/tools/builtin/index.js';
import { isToolCategory, toolCategories } from '../../../src/tools/categories.js';
import { toolTiers } from '../../../src/tools/definition.js';
import { inputSchemaProblems } from '../../../src/tools/engine.js';

describe('built-in tool pack', () => {
  it('has at least 60 tools in all 17 categories', () => {
    expect(builtinTools.length).toBeGreaterThanOrEqual(60);
    const used = new Set(builtinTools.map((tool) => tool.category));
    expect([...used].sort()).toEqual(toolCategories.map((category) => category.slug).sort());
  });

  it('uses unique snake_case names', () => {
    const names = builtinTools.map((tool) => tool.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^[a-z][a-z0-9_]{1,63}$/);
    }
  });

  it('describes every tool and argument', () => {
    for (const tool of builtinTools) {
      expect(isToolCategory(tool.category), tool.name).toBe(true);
      expect(toolTiers, tool.name).toContain(tool.tier);
      expect(tool.description.length, tool.name).toBeGreaterThan(10);
      expect(tool.tags.length, tool.name).toBeGreaterThan(0);
      expect(inputSchemaProblems(tool.inputSchema), tool.name).toBeUndefined();
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
      for (const [property, schema] of Object.entries(tool.inputSchema.properties)) {
        expect((schema as { description?: string }).description, `${tool.name}.${property}`).toBeTruthy();
      }
    }
  });

  it('has a test that runs every tool', async () => {
    const folder = new URL('./', import.meta.url);
    const files = (await readdir(folder)).filter((file) => file.endsWith('.test.ts') && file !== 'catalogue.test.ts');
    const sources = await Promise.all(files.map((file) => readFile(new URL(file, folder), 'utf8')));
    const text = sources.join('\n');
    const untested = builtinTools.map((tool) => tool.name).filter((name) => !text.includes(name));
    expect(untested).toEqual([]);
  });
});

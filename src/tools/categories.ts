/** The tool catalogue's categories: `slug` is the value of the `category` filter. */
export const toolCategories = [
  { slug: 'analytics', name: 'Analytics' },
  { slug: 'data', name: 'Data' },
  { slug: 'datetime', name: 'Date & Time' },
  { slug: 'development', name: 'Development' },
  { slug: 'devops', name: 'DevOps' },
  { slug: 'education', name: 'Education' },
  { slug: 'finance', name: 'Finance' },
  { slug: 'geospatial', name: 'Geospatial' },
  { slug: 'healthcare', name: 'Healthcare' },
  { slug: 'legal', name: 'Legal' },
  { slug: 'math', name: 'Math' },
  { slug: 'media', name: 'Media' },
  { slug: 'networking', name: 'Networking' },
  { slug: 'productivity', name: 'Productivity' },
  { slug: 'science', name: 'Science' },
  { slug: 'security', name: 'Security' },
  { slug: 'text', name: 'Text' },
] as const;

export type ToolCategorySlug = (typeof toolCategories)[number]['slug'];

const categorySlugs: ReadonlySet<string> = new Set(toolCategories.map((category) => category.slug));

export function isToolCategory(value: string): value is ToolCategorySlug {
  return categorySlugs.has(value);
}

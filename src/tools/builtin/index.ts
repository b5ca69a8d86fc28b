import type { BuiltinTool } from '../definition.js';
import { analyticsTools } from './analytics.js';
import { dataTools } from './data.js';
import { datetimeTools } from './datetime.js';
import { developmentTools } from './development.js';
import { devopsTools } from './devops.js';
import { educationTools } from './education.js';
import { financeTools } from './finance.js';
import { geospatialTools } from './geospatial.js';
import { healthcareTools } from './healthcare.js';
import { legalTools } from './legal.js';
import { mathTools } from './math.js';
import { mediaTools } from './media.js';
import { networkingTools } from './networking.js';
import { productivityTools } from './productivity.js';
import { scienceTools } from './science.js';
import { securityTools } from './security.js';
import { textTools } from './text.js';
import { webTools } from './web.js';

/** Every built-in tool, grouped by category. Names must be unique across the list. */
export const builtinTools: readonly BuiltinTool[] = [
  ...analyticsTools,
  ...dataTools,
  ...datetimeTools,
  ...developmentTools,
  ...devopsTools,
  ...educationTools,
  ...financeTools,
  ...geospatialTools,
  ...healthcareTools,
  ...legalTools,
  ...mathTools,
  ...mediaTools,
  ...networkingTools,
  ...productivityTools,
  ...scienceTools,
  ...securityTools,
  ...textTools,
  ...webTools,
];

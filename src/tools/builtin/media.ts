import {
  converter,
  displayable,
  formatHex,
  parse as parseColor,
  toGamut,
  wcagContrast,
  type Color,
} from 'culori';
import { imageSize } from 'image-size';
import QRCode from 'qrcode';
import { defineTool, ToolError, type BuiltinTool } from '../definition.js';

const toRgb = converter('rgb');
const toHsl = converter('hsl');
const toOklch = converter('oklch');
// CSS Color 4 gamut mapping: lowers OKLCh chroma until the color fits sRGB, keeping its hue.
const toSrgbGamut = toGamut('rgb', 'oklch');

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;

  return Math.round(value * factor) / factor;
}

function readColor(text: string, name: string): Color {
  const color = parseColor(text);
  if (color === undefined) {
    throw new ToolError(
      `${name} "${text}" is not a CSS color. Use a form such as #1e90ff, rgb(30 144 255), hsl(210 100% 56%) or oklch(65% 0.18 250)`,
    );
  }

  return color;
}

interface ColorConvertArgs {
  color: string;
}

const colorConvert = defineTool<ColorConvertArgs>({
  name: 'color_convert',
  description:
    'Converts a CSS color to hex, RGB, HSL and OKLCH, and says whether it fits the sRGB gamut.',
  category: 'media',
  tier: 'free',
  tags: ['color', 'css', 'convert', 'design'],
  inputSchema: {
    type: 'object',
    properties: {
      color: {
        type: 'string',
        description:
          'CSS color: hex, a named color, rgb(), hsl(), hwb(), lab(), lch(), oklab() or oklch()',
        minLength: 1,
        maxLength: 200,
      },
    },
    required: ['color'],
    additionalProperties: false,
  },
  run(args) {
    const color = readColor(args.color, 'color');
    const inGamut = displayable(color);
    const rgb = toRgb(inGamut ? color : toSrgbGamut(color));
    const hsl = toHsl(rgb);
    const oklch = toOklch(color);
    const channel = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 255);
    // Achromatic colors (grays) have no hue. culori leaves it undefined, and CSS writes "none".
    const hue = (value: number | undefined, decimals: number) =>
      value === undefined || Number.isNaN(value) ? null : roundTo(value, decimals);

    return {
      input: args.color,
      hex: formatHex(rgb),
      rgb: { r: channel(rgb.r), g: channel(rgb.g), b: channel(rgb.b) },
      alpha: color.alpha ?? 1,
      hsl: { h: hue(hsl.h, 2), s: roundTo(hsl.s * 100, 2), l: roundTo(hsl.l * 100, 2) },
      oklch: { l: roundTo(oklch.l, 4), c: roundTo(oklch.c, 4), h: hue(oklch.h, 2) },
      // When false, hex, rgb and hsl are the gamut-mapped color and oklch is the original.
      in_srgb_gamut: inGamut,
    };
  },
});

interface ContrastRatioArgs {
  foreground: string;
  background: string;
}

/**
 * Minimum contrast ratios of WCAG 2.1: success criteria 1.4.3 (AA), 1.4.6 (AAA) and 1.4.11
 * (non-text contrast). Large text is at least 18 pt, or 14 pt bold.
 */
const wcagThresholds = {
  aa: { normal_text: 4.5, large_text: 3, ui_components: 3 },
  aaa: { normal_text: 7, large_text: 4.5 },
};

const contrastRatio = defineTool<ContrastRatioArgs>({
  name: 'contrast_ratio',
  description:
    'Computes the WCAG 2.1 contrast ratio of two colors and whether it passes the AA and AAA levels.',
  category: 'media',
  tier: 'free',
  tags: ['color', 'accessibility', 'wcag', 'contrast'],
  inputSchema: {
    type: 'object',
    properties: {
      foreground: {
        type: 'string',
        description: 'Text or foreground CSS color',
        minLength: 1,
        maxLength: 200,
      },
      background: {
        type: 'string',
        description: 'Background CSS color',
        minLength: 1,
        maxLength: 200,
      },
    },
    required: ['foreground', 'background'],
    additionalProperties: false,
  },
  run(args) {
    const foreground = readColor(args.foreground, 'foreground');
    const background = readColor(args.background, 'background');
    for (const [name, color] of [
      ['foreground', foreground],
      ['background', background],
    ] as const) {
      if ((color.alpha ?? 1) < 1) {
        throw new ToolError(
          `${name} is translucent, so its contrast depends on what lies beneath. Pass an opaque color`,
        );
      }
    }
    // (L1 + 0.05) / (L2 + 0.05) of the relative luminances. culori linearizes sRGB below 0.04045
    // where WCAG 2.1 writes 0.03928, but no 8-bit channel value falls between the two.
    const ratio = wcagContrast(foreground, background);
    // WCAG thresholds apply to the unrounded ratio, so 4.499:1 fails 4.5:1.
    const passes = <T extends Record<string, number>>(levels: T) =>
      Object.fromEntries(Object.entries(levels).map(([name, minimum]) => [name, ratio >= minimum]));

    return {
      foreground: formatHex(foreground),
      background: formatHex(background),
      ratio,
      ratio_text: `${ratio.toFixed(2)}:1`,
      aa: passes(wcagThresholds.aa),
      aaa: passes(wcagThresholds.aaa),
    };
  },
});

const qrFormats = ['svg', 'png_data_url', 'text'] as const;

interface QrCodeArgs {
  text: string;
  format: (typeof qrFormats)[number];
  error_correction: 'L' | 'M' | 'Q' | 'H';
  margin: number;
  width?: number;
}

const qrCodeGenerate = defineTool<QrCodeArgs>({
  name: 'qr_code_generate',
  description:
    'Encodes text as a QR code and returns it as an SVG document, a PNG data URL or terminal text, with its version and size.',
  category: 'media',
  tier: 'free',
  tags: ['qr', 'barcode', 'image', 'encode'],
  inputSchema: {
    type: 'object',
    properties: {
      text: {
        type: 'string',
        description: 'Text or URL to encode',
        minLength: 1,
        maxLength: 2_000,
      },
      format: {
        type: 'string',
        description:
          'svg (an SVG document), png_data_url (data:image/png;base64,...) or text (block characters)',
        enum: qrFormats,
        default: 'svg',
      },
      error_correction: {
        type: 'string',
        description: 'Error correction level: L recovers 7% of the code, M 15%, Q 25% and H 30%',
        enum: ['L', 'M', 'Q', 'H'],
        default: 'M',
      },
      margin: {
        type: 'integer',
        description: 'Quiet zone around the code, in modules. The QR standard asks for 4',
        minimum: 0,
        maximum: 20,
        default: 4,
      },
      width: {
        type: 'integer',
        description:
          'Image width in pixels for svg and png_data_url. Defaults to 4 pixels per module',
        minimum: 21,
        maximum: 2_048,
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  async run(args) {
    // Each line of the text format contains two rows of modules, and qrcode 1.5.4 fails with
    // "Invalid array length" when the margin does not split evenly between them.
    if (args.format === 'text' && args.margin % 2 !== 0) {
      throw new ToolError(`margin is ${args.margin}, but the text format needs an even margin`);
    }
    let symbol;
    try {
      symbol = QRCode.create(args.text, { errorCorrectionLevel: args.error_correction });
    } catch (error) {
      throw new ToolError(`text cannot be encoded as a QR code: ${(error as Error).message}`);
    }
    const options = {
      errorCorrectionLevel: args.error_correction,
      margin: args.margin,
      ...(args.width !== undefined && { width: args.width }),
    };
    let data: string;
    if (args.format === 'png_data_url') {
      data = await QRCode.toDataURL(args.text, { ...options, type: 'image/png' });
    } else if (args.format === 'text') {
      data = await QRCode.toString(args.text, { ...options, type: 'utf8' });
    } else {
      data = await QRCode.toString(args.text, { ...options, type: 'svg' });
    }

    return {
      format: args.format,
      version: symbol.version,
      modules: symbol.modules.size,
      error_correction: args.error_correction,
      data,
    };
  },
});

interface ImageDimensionsArgs {
  image: string;
}

/** EXIF orientations 5 to 8 rotate the image by 90° or 270°, swapping its displayed sides. */
function isRotatedSideways(orientation: number | undefined): boolean {
  return orientation !== undefined && orientation >= 5 && orientation <= 8;
}

const imageDimensions = defineTool<ImageDimensionsArgs>({
  name: 'image_dimensions',
  description:
    'Reads the format and pixel dimensions of a base64-encoded image (PNG, JPEG, GIF, WebP, SVG, BMP, TIFF, ICO and more).',
  category: 'media',
  tier: 'starter',
  tags: ['image', 'dimensions', 'metadata', 'base64'],
  inputSchema: {
    type: 'object',
    properties: {
      image: {
        type: 'string',
        description: 'Image bytes in base64, optionally as a data URL (data:image/png;base64,...)',
        minLength: 4,
        // About 10 MB of image data once decoded.
        maxLength: 14_000_000,
      },
    },
    required: ['image'],
    additionalProperties: false,
  },
  run(args) {
    const encoded = args.image.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
    // Buffer.from skips characters that are not base64, so validate first to report bad input.
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) && !/^[A-Za-z0-9_-]*={0,2}$/.test(encoded)) {
      throw new ToolError('image is not valid base64');
    }
    const bytes = Buffer.from(encoded, 'base64');
    let size;
    try {
      size = imageSize(bytes);
    } catch {
      throw new ToolError(
        'image is not in a recognized format such as PNG, JPEG, GIF, WebP, SVG, BMP, TIFF or ICO',
      );
    }
    const { width, height, type, orientation } = size;
    if (width === undefined || height === undefined) {
      throw new ToolError(`image of type ${type ?? 'unknown'} does not state its dimensions`);
    }
    const sideways = isRotatedSideways(orientation);

    return {
      type: type ?? null,
      width,
      height,
      orientation: orientation ?? null,
      display_width: sideways ? height : width,
      display_height: sideways ? width : height,
      byte_length: bytes.length,
      // Icons and cursors can hold several images of different sizes.
      images: size.images?.map((image) => ({ width: image.width, height: image.height })) ?? null,
    };
  },
});

export const mediaTools: BuiltinTool[] = [
  colorConvert,
  contrastRatio,
  qrCodeGenerate,
  imageDimensions,
];

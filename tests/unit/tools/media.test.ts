import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { mediaTools } from '../../../src/tools/builtin/media.js';
import type { BuiltinTool } from '../../../src/tools/definition.js';
import { runTool } from '../../support/tools.js';

function tool(name: string): BuiltinTool {
  const found = mediaTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no media tool named ${name}`);
  }

  return found;
}

// jsqr is CommonJS with `module.exports.default` set to the decoder, which is the form its
// typings describe under NodeNext resolution.
const jsQR = jsQRModule.default;

function decodeQrDataUrl(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace('data:image/png;base64,', ''), 'base64'));

  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe('color_convert', () => {
  it('converts dodger blue', async () => {
    const result = await runTool(tool('color_convert'), { color: '#1e90ff' });

    // CSS Color 4 lists dodgerblue as rgb(30 144 255), which is hsl(209.6 100% 55.88%).
    expect(result).toEqual({
      input: '#1e90ff',
      hex: '#1e90ff',
      rgb: { r: 30, g: 144, b: 255 },
      alpha: 1,
      hsl: { h: 209.6, s: 100, l: 55.88 },
      oklch: { l: 0.652, c: 0.1901, h: 253.21 },
      in_srgb_gamut: true,
    });
  });

  it('reads named colors', async () => {
    const result = await runTool(tool('color_convert'), { color: 'rebeccapurple' });

    expect(result.hex).toBe('#663399');
    expect(result.hsl).toEqual({ h: 270, s: 50, l: 40 });
  });

  it('gives greys no hue', async () => {
    const result = await runTool(tool('color_convert'), { color: '#777' });

    expect(result.hsl).toEqual({ h: null, s: 0, l: 46.67 });
    expect(result.oklch).toEqual({ l: 0.5693, c: 0, h: null });
  });

  it('maps out-of-gamut colors into sRGB', async () => {
    const result = await runTool(tool('color_convert'), { color: 'oklch(70% 0.4 30)' });

    expect(result.in_srgb_gamut).toBe(false);
    expect(result.oklch).toEqual({ l: 0.7, c: 0.4, h: 30 });
    expect(result.hex).toBe('#ff5843');
  });

  it('keeps alpha', async () => {
    const result = await runTool(tool('color_convert'), { color: 'rgb(10 20 30 / 50%)' });

    expect(result.alpha).toBe(0.5);
    expect(result.hex).toBe('#0a141e');
  });

  it('rejects an unknown color', async () => {
    await expect(runTool(tool('color_convert'), { color: 'nope' })).rejects.toThrow(
      'color "nope" is not a CSS color',
    );
  });
});

describe('contrast_ratio', () => {
  it('rates #777 on white at 4.48:1', async () => {
    const result = await runTool(tool('contrast_ratio'), {
      foreground: '#777',
      background: '#fff',
    });

    // Relative luminance of #777 is 0.1845, so (1 + 0.05) / (0.1845 + 0.05) = 4.478.
    expect(result.ratio).toBeCloseTo(4.478, 3);
    expect(result).toMatchObject({
      foreground: '#777777',
      background: '#ffffff',
      ratio_text: '4.48:1',
      aa: { normal_text: false, large_text: true, ui_components: true },
      aaa: { normal_text: false, large_text: false },
    });
  });

  it('rates black on white at 21:1', async () => {
    const result = await runTool(tool('contrast_ratio'), {
      foreground: 'black',
      background: 'white',
    });

    expect(result.ratio).toBe(21);
    expect(result.aaa).toEqual({ normal_text: true, large_text: true });
  });

  it('is symmetric', async () => {
    const forward = await runTool(tool('contrast_ratio'), {
      foreground: '#1e90ff',
      background: '#222',
    });
    const reverse = await runTool(tool('contrast_ratio'), {
      foreground: '#222',
      background: '#1e90ff',
    });

    expect(forward.ratio).toBe(reverse.ratio);
  });

  it('rejects a translucent color', async () => {
    await expect(
      runTool(tool('contrast_ratio'), { foreground: 'rgb(0 0 0 / 50%)', background: '#fff' }),
    ).rejects.toThrow('foreground is translucent');
  });

  it('rejects an unknown color', async () => {
    await expect(
      runTool(tool('contrast_ratio'), { foreground: '#000', background: 'transparentish' }),
    ).rejects.toThrow('background "transparentish" is not a CSS color');
  });
});

describe('qr_code_generate', () => {
  it('encodes HELLO WORLD as version 1-Q', async () => {
    const result = await runTool(tool('qr_code_generate'), {
      text: 'HELLO WORLD',
      error_correction: 'Q',
    });

    // Eleven alphanumeric characters fit version 1 (21 × 21 modules) at level Q.
    expect(result.version).toBe(1);
    expect(result.modules).toBe(21);
    expect(result.format).toBe('svg');
    // 21 modules plus a quiet zone of 4 on each side.
    expect(result.data).toContain('viewBox="0 0 29 29"');
  });

  it('produces a PNG that decodes back', async () => {
    const text = 'https://example.com/agents?id=42';
    const result = await runTool(tool('qr_code_generate'), {
      text,
      format: 'png_data_url',
      width: 300,
    });

    expect(String(result.data).startsWith('data:image/png;base64,')).toBe(true);
    expect(decodeQrDataUrl(String(result.data))).toBe(text);
  });

  it('draws text with two module rows per line', async () => {
    const result = await runTool(tool('qr_code_generate'), { text: 'HELLO WORLD', format: 'text' });

    // ceil(21 / 2) = 11 lines of modules plus 2 margin lines above and below.
    expect(String(result.data).split('\n')).toHaveLength(15);
  });

  it('rejects an odd margin in text format', async () => {
    await expect(
      runTool(tool('qr_code_generate'), { text: 'x', format: 'text', margin: 1 }),
    ).rejects.toThrow('margin is 1, but the text format needs an even margin');
  });

  it('rejects text beyond the capacity', async () => {
    await expect(
      runTool(tool('qr_code_generate'), { text: 'x'.repeat(2_000), error_correction: 'H' }),
    ).rejects.toThrow('The amount of data is too big to be stored in a QR Code');
  });
});

describe('image_dimensions', () => {
  it('reads a PNG', async () => {
    const png = new PNG({ width: 3, height: 2 });
    const bytes = PNG.sync.write(png);
    const result = await runTool(tool('image_dimensions'), { image: bytes.toString('base64') });

    expect(result).toEqual({
      type: 'png',
      width: 3,
      height: 2,
      orientation: null,
      display_width: 3,
      display_height: 2,
      byte_length: bytes.length,
      images: null,
    });
  });

  it('reads a GIF data URL', async () => {
    // GIF89a header with a logical screen of 5 × 7 pixels (little-endian), then a 1 × 1 frame.
    const gif = 'R0lGODlhBQAHAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=';
    const result = await runTool(tool('image_dimensions'), {
      image: `data:image/gif;base64,${gif}`,
    });

    expect(result.type).toBe('gif');
    expect(result.width).toBe(5);
    expect(result.height).toBe(7);
  });

  it('reads a JPEG frame header', async () => {
    // SOI, a 16-byte JFIF APP0 segment, then a baseline SOF0 segment for 8-bit samples,
    // 4 rows by 9 columns and 3 components, then EOI.
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00,
      0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x04, 0x00, 0x09, 0x03,
      0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
    ]);
    const result = await runTool(tool('image_dimensions'), { image: jpeg.toString('base64') });

    expect(result.type).toBe('jpg');
    expect(result.width).toBe(9);
    expect(result.height).toBe(4);
  });

  it('rejects bytes that are not an image', async () => {
    await expect(
      runTool(tool('image_dimensions'), { image: Buffer.from('not an image').toString('base64') }),
    ).rejects.toThrow('image is not in a recognized format');
  });

  it('rejects invalid base64', async () => {
    await expect(runTool(tool('image_dimensions'), { image: 'abc$def' })).rejects.toThrow(
      'image is not valid base64',
    );
  });
});

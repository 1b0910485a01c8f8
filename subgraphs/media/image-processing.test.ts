import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import { BadUserInputError } from '../../shared/errors/index.js';
import { processPlaintextImage } from './image-processing.js';
import { sniffImageType } from './image-type.js';

const options = { maxInputPixels: 40_000_000, thumbnailSizes: [64, 256, 1024], timeoutSeconds: 30 };

function picture(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } });
}

/** A JPEG carrying camera metadata and a GPS position that must not survive. */
function jpegWithGps(width = 1200, height = 800): Promise<Buffer> {
  return picture(width, height)
    .jpeg()
    .withExif({
      IFD0: { Make: 'GuardynCam', Model: 'Secret Model', Copyright: 'someone' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' },
    })
    .toBuffer();
}

describe('sniffImageType', () => {
  it.each([
    ['jpeg', () => picture(8, 8).jpeg().toBuffer()],
    ['png', () => picture(8, 8).png().toBuffer()],
    ['webp', () => picture(8, 8).webp().toBuffer()],
    ['gif', () => picture(8, 8).gif().toBuffer()],
    ['avif', () => picture(8, 8).avif({ effort: 0 }).toBuffer()],
  ])('knows %s by its bytes', async (type, make) => {
    expect(sniffImageType(await make())).toBe(type);
  });

  it.each([
    ['text', Buffer.from('hello, this is not an image at all')],
    ['empty', Buffer.alloc(0)],
    ['svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ['heic', Buffer.from('000000186674797068656963000000006d696631', 'hex')],
    ['truncated png signature', Buffer.from('89504e470d0a', 'hex')],
  ])('refuses %s', (_, bytes) => {
    expect(sniffImageType(bytes)).toBeNull();
  });
});

describe('processPlaintextImage', () => {
  it('re-encodes a JPEG without its EXIF and GPS metadata, and makes three thumbnails', async () => {
    const input = await jpegWithGps();
    expect((await sharp(input).metadata()).exif).toBeDefined();

    const { image, thumbnails } = await processPlaintextImage(input, options);
    expect(image).toMatchObject({ contentType: 'image/jpeg', width: 1200, height: 800 });
    const metadata = await sharp(image.bytes).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.xmp).toBeUndefined();
    expect(image.bytes.includes(Buffer.from('GuardynCam'))).toBe(false);

    expect(thumbnails.map(({ size, width, height }) => ({ size, width, height }))).toEqual([
      { size: 64, width: 64, height: 43 },
      { size: 256, width: 256, height: 171 },
      { size: 1024, width: 1024, height: 683 },
    ]);
    for (const thumbnail of thumbnails) {
      expect((await sharp(thumbnail.bytes).metadata()).exif).toBeUndefined();
    }
  });

  it('keeps PNG and WebP, turns a GIF into a PNG and AVIF into WebP', async () => {
    const cases = [
      [await picture(300, 200).png().toBuffer(), 'image/png'],
      [await picture(300, 200).webp().toBuffer(), 'image/webp'],
      [await picture(300, 200).gif().toBuffer(), 'image/png'],
      [await picture(300, 200).avif({ effort: 0 }).toBuffer(), 'image/webp'],
    ] as const;
    for (const [input, contentType] of cases) {
      const { image } = await processPlaintextImage(input, options);
      expect(image).toMatchObject({ contentType, width: 300, height: 200 });
    }
  });

  it('keeps only the first frame of an animated GIF', async () => {
    const frame = (r: number, b: number) =>
      sharp({ create: { width: 50, height: 40, channels: 3, background: { r, g: 0, b } } })
        .png()
        .toBuffer();
    const animated = await sharp([await frame(255, 0), await frame(0, 255)], {
      join: { animated: true },
    })
      .gif()
      .toBuffer();
    expect((await sharp(animated, { pages: -1 }).metadata()).pages).toBe(2);

    const { image } = await processPlaintextImage(animated, options);
    expect(image).toMatchObject({ contentType: 'image/png', width: 50, height: 40 });
    const pixel = await sharp(image.bytes).raw().toBuffer();
    expect([...pixel.subarray(0, 3)]).toEqual([255, 0, 0]);
  });

  it('never enlarges a small image for a thumbnail', async () => {
    const { thumbnails } = await processPlaintextImage(
      await picture(40, 30).png().toBuffer(),
      options,
    );
    expect(thumbnails.map(({ width, height }) => [width, height])).toEqual([
      [40, 30],
      [40, 30],
      [40, 30],
    ]);
  });

  it('refuses a decompression bomb from its header, before decoding it', async () => {
    // 10000 x 10000 of one colour compresses to a few KB but would decode to 300 MB.
    const bomb = await picture(10_000, 10_000).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(processPlaintextImage(bomb, options)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { maxPixels: 40_000_000 },
    });
  });

  it('refuses non-images, types it does not accept, and bytes that only look like an image', async () => {
    const inputs = [
      Buffer.from('%PDF-1.7 not an image'),
      await picture(20, 20).tiff().toBuffer(),
      Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('garbage'.repeat(20))]),
      (await picture(200, 200).jpeg().toBuffer()).subarray(0, 300),
    ];
    for (const input of inputs) {
      await expect(processPlaintextImage(input, options)).rejects.toBeInstanceOf(BadUserInputError);
    }
  });
});

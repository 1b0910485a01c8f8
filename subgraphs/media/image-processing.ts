import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { BadUserInputError } from '../../shared/errors/index.js';
import { sniffImageType, type ImageType } from './image-type.js';

/** One encoded picture. */
export interface EncodedImage {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
}

/** A re-encoded plaintext image and its thumbnails. */
export interface ProcessedImage {
  readonly image: EncodedImage;
  /** One per requested size, in the order asked; `size` bounds the long side. */
  readonly thumbnails: readonly (EncodedImage & { readonly size: number })[];
}

export interface ImageProcessingOptions {
  /** Decompression-bomb guard: images with more pixels are refused before decoding. */
  readonly maxInputPixels: number;
  /** Long-side bounds of the thumbnails; smaller images are not enlarged. */
  readonly thumbnailSizes: readonly number[];
  /** Longest a single encode may run. */
  readonly timeoutSeconds: number;
}

type OutputFormat = 'jpeg' | 'png' | 'webp';

/**
 * What each accepted type is re-encoded as: JPEG, PNG and WebP stay themselves; a GIF becomes a
 * PNG of its first frame; AVIF becomes WebP (encoding AVIF is about ten times slower).
 */
const outputFormat: Readonly<Record<ImageType, OutputFormat>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'png',
  avif: 'webp',
};

/** What libvips must report for each sniffed type, so a forged header is not enough. */
function decoderAgrees(type: ImageType, metadata: Metadata): boolean {
  if (type === 'avif') return metadata.format === 'heif' && metadata.compression === 'av1';
  return metadata.format === type;
}

const notAnImage = 'the file is not a JPEG, PNG, WebP, GIF or AVIF image';

function encode(
  pipeline: Sharp,
  format: OutputFormat,
): Promise<{ data: Buffer; info: OutputInfo }> {
  const encoded =
    format === 'jpeg'
      ? pipeline.jpeg({ quality: 85 })
      : format === 'webp'
        ? pipeline.webp({ quality: 85 })
        : pipeline.png();
  return encoded.toBuffer({ resolveWithObject: true });
}

function toEncoded(format: OutputFormat, { data, info }: { data: Buffer; info: OutputInfo }) {
  return { bytes: data, contentType: `image/${format}`, width: info.width, height: info.height };
}

/**
 * Checks that `input` is an accepted image by its bytes, then re-encodes it with sharp (which
 * drops EXIF, GPS, XMP and ICC metadata, after applying the EXIF orientation) and makes the
 * thumbnails. Refuses non-images, images the decoder disagrees about, undecodable images and
 * images over the pixel limit with BAD_USER_INPUT.
 */
export async function processPlaintextImage(
  input: Uint8Array,
  options: ImageProcessingOptions,
): Promise<ProcessedImage> {
  const type = sniffImageType(input);
  if (type === null) throw new BadUserInputError(notAnImage, { field: 'file' });

  // pages: 1 decodes only the first frame of an animation.
  const source = sharp(input, { limitInputPixels: false, pages: 1 }).timeout({
    seconds: options.timeoutSeconds,
  });
  let metadata: Metadata;
  try {
    metadata = await source.metadata();
  } catch (cause) {
    throw new BadUserInputError(notAnImage, { field: 'file' }, { cause });
  }
  if (!decoderAgrees(type, metadata)) throw new BadUserInputError(notAnImage, { field: 'file' });
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > options.maxInputPixels) {
    throw new BadUserInputError(`the image has more than ${options.maxInputPixels} pixels`, {
      field: 'file',
      maxPixels: options.maxInputPixels,
    });
  }

  const format = outputFormat[type];
  // Re-decoding with the limit set is the second line of defence against a header that lies.
  const base = sharp(input, { limitInputPixels: options.maxInputPixels, pages: 1 })
    .timeout({ seconds: options.timeoutSeconds })
    .rotate();
  try {
    const image = toEncoded(format, await encode(base.clone(), format));
    const thumbnails = await Promise.all(
      options.thumbnailSizes.map(async (size) => ({
        size,
        ...toEncoded(
          format,
          await encode(
            base
              .clone()
              .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true }),
            format,
          ),
        ),
      })),
    );
    return { image, thumbnails };
  } catch (cause) {
    throw new BadUserInputError('the image cannot be decoded', { field: 'file' }, { cause });
  }
}

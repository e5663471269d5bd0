/**
 * Renders resources/icon.svg into the icons the app and its packages use (run it after
 * changing the SVG; the results are committed):
 * - resources/icon.png (256 px): the window and tray icon, shipped inside the app;
 * - build/icon.png (1024 px), build/icon.ico (Windows, 16–256 px), build/icon.icns (macOS,
 *   128–1024 px): what electron-builder puts on the packages.
 * ICO and ICNS both accept PNG images inside, so they are assembled here byte by byte.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';

const at = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const svg = readFileSync(at('resources/icon.svg'), 'utf8');
const png = (size: number) => Buffer.from(new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng());

/** ICO: a 6-byte header, one 16-byte entry per image, then the PNGs. */
function ico(sizes: number[]): Buffer {
  const images = sizes.map(png);
  const header = Buffer.alloc(6 + 16 * sizes.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(sizes.length, 4);
  let offset = header.length;
  sizes.forEach((size, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e);
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(images[i].length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += images[i].length;
  });
  return Buffer.concat([header, ...images]);
}

/** ICNS: "icns" and the total length, then per image its type, its length (with this 8-byte head) and the PNG. */
function icns(types: Array<[string, number]>): Buffer {
  const chunks = types.map(([type, size]) => {
    const image = png(size);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(image.length + 8, 4);
    return Buffer.concat([head, image]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + chunks.reduce((n, c) => n + c.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

writeFileSync(at('resources/icon.png'), png(256));
writeFileSync(at('build/icon.png'), png(1024));
writeFileSync(at('build/icon.ico'), ico([16, 24, 32, 48, 64, 128, 256]));
writeFileSync(at('build/icon.icns'), icns([['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024]]));
process.stdout.write('icons written: resources/icon.png, build/icon.png, build/icon.ico, build/icon.icns\n');

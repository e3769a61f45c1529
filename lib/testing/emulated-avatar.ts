import { createHash } from 'node:crypto';

const CELL = 20;
const GRID = 5;
const SIZE = CELL * (GRID + 1);

/**
 * The picture the emulator serves as a person's WeChat avatar: a mirrored 5×5 identicon of their Authing id. It
 * depends on the id alone, so the same person always gets the same picture and it can be cached for good.
 */
export function avatarSvg(personId: string): string {
  const hash = createHash('sha256').update(personId).digest();
  const hue = Math.round((hash.readUInt16BE(0) / 0xffff) * 360);
  const cells: string[] = [];
  for (let row = 0; row < GRID; row++) {
    for (let col = 0; col < Math.ceil(GRID / 2); col++) {
      if (hash[2 + row * GRID + col] % 2 === 0) continue;
      for (const x of new Set([col, GRID - 1 - col])) {
        cells.push(`<rect x="${CELL / 2 + x * CELL}" y="${CELL / 2 + row * CELL}" width="${CELL}" height="${CELL}"/>`);
      }
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">` +
    `<rect width="${SIZE}" height="${SIZE}" fill="hsl(${hue},25%,93%)"/>` +
    `<g fill="hsl(${hue},55%,45%)">${cells.join('')}</g></svg>`
  );
}

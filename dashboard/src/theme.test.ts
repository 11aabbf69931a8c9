import { describe, expect, it } from 'vitest';
import css from './theme.css?raw';
import { contrastRatio, themeColours } from './test/contrast';

const TEXT = ['text', 'text-muted', 'text-subtle'];
const BACKGROUNDS = ['bg', 'surface', 'surface-muted', 'surface-hover', 'surface-sunken'];
const AA_NORMAL_TEXT = 4.5;

describe('contrast helper', () => {
  it('computes the WCAG ratio', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    expect(contrastRatio('#8a94a4', '#ffffff')).toBeCloseTo(3.06, 2);
  });
});

describe.each(['light', 'dark'] as const)('the %s theme', (theme) => {
  const colours = themeColours(css)[theme];

  it.each(TEXT)('--%s reads at WCAG AA (4.5:1) on every background', (text) => {
    for (const background of BACKGROUNDS) {
      const ratio = contrastRatio(colours.get(text)!, colours.get(background)!);
      expect(ratio, `--${text} on --${background}`).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
    }
  });

  it.each(['accent', 'accent-strong', 'status-error', 'status-error-text'])(
    'text on a --%s fill (a button, normal or hovered) reads at WCAG AA', (fill) => {
      expect(contrastRatio(colours.get('text-on-accent')!, colours.get(fill)!)).toBeGreaterThanOrEqual(AA_NORMAL_TEXT);
    });

  it('secondary text stays quieter than muted text', () => {
    const surface = colours.get('surface')!;
    expect(contrastRatio(colours.get('text-subtle')!, surface)).toBeLessThan(contrastRatio(colours.get('text-muted')!, surface));
  });
});

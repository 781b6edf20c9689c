import { describe, expect, it } from 'vitest';
import { calibForImages, downscaleCalib, parseMiddleburyCalib } from './calib';

/** A calib.txt in the Middlebury 2014 format, for full-size (2964x1988) images. */
const MOTORCYCLE = `cam0=[3979.911 0 1244.772; 0 3979.911 1019.507; 0 0 1]
cam1=[3979.911 0 1369.115; 0 3979.911 1019.507; 0 0 1]
doffs=124.343
baseline=193.001
width=2964
height=1988
ndisp=270
isint=0
vmin=23
vmax=245
dyavg=0
dymax=0
`;

describe('parseMiddleburyCalib', () => {
  it('reads cam0, cam1, doffs, baseline (mm), width, height and ndisp; other keys are ignored', () => {
    const c = parseMiddleburyCalib(MOTORCYCLE, 'motorcycle/calib.txt');
    expect(c).toEqual({
      cam0: [3979.911, 0, 1244.772, 0, 3979.911, 1019.507, 0, 0, 1],
      cam1: [3979.911, 0, 1369.115, 0, 3979.911, 1019.507, 0, 0, 1],
      doffs: 124.343,
      baselineMm: 193.001,
      width: 2964,
      height: 1988,
      ndisp: 270,
    });
  });

  it('doffs comes from cam1 - cam0 when the line is missing, and is 0 with neither; CRLF line ends are fine', () => {
    const noDoffs = MOTORCYCLE.replace(/doffs=.*\n/, '').replace(/\n/g, '\r\n');
    expect(parseMiddleburyCalib(noDoffs, 'c.txt').doffs).toBeCloseTo(1369.115 - 1244.772, 9);
    const camOnly = 'cam0=[100 0 50; 0 100 40; 0 0 1]\nbaseline=50\n';
    expect(parseMiddleburyCalib(camOnly, 'c.txt')).toEqual({ cam0: [100, 0, 50, 0, 100, 40, 0, 0, 1], doffs: 0, baselineMm: 50 });
  });

  it('refuses a file that lacks what depth needs or has a malformed value, naming the file and the line', () => {
    const bad = (text: string) => () => parseMiddleburyCalib(text, 'x/calib.txt');
    expect(bad('baseline=193\n')).toThrow(/^x\/calib\.txt: no cam0= line\. Give the calib\.txt of this scene/);
    expect(bad('cam0=[100 0 50; 0 100 40; 0 0 1]\n')).toThrow(/^x\/calib\.txt: no baseline= line\./);
    expect(bad('cam0=[100 0 50; 0 100 40]\nbaseline=1\n')).toThrow('x/calib.txt: cam0=[100 0 50; 0 100 40] is not a 3x3 matrix [f 0 cx; 0 f cy; 0 0 1]');
    expect(bad('cam0=[-1 0 50; 0 100 40; 0 0 1]\nbaseline=1\n')).toThrow('x/calib.txt: cam0: the focal length (-1) must be a positive number of pixels');
    expect(bad('cam0=[100 0 50; 0 100 40; 0 0 1]\nbaseline=-3\n')).toThrow('x/calib.txt: baseline=-3 is not a positive number');
    expect(bad('cam0=[100 0 50; 0 100 40; 0 0 1]\nbaseline=3\nndisp=7.5\n')).toThrow('x/calib.txt: ndisp=7.5 is not a positive whole number');
    expect(bad('cam0=[100 0 50; 0 100 40; 0 0 1]\nbaseline=3\ndoffs=abc\n')).toThrow('x/calib.txt: doffs=abc is not a number');
    expect(bad('<html>not found</html>\n')).toThrow('x/calib.txt: "<html>not found</html>" is not a key=value line');
  });
});

describe('calibForImages and downscaleCalib', () => {
  const c = parseMiddleburyCalib(MOTORCYCLE, 'calib.txt');

  it('images of the stated size: the numbers as they are, baseline in metres', () => {
    expect(calibForImages(c, 'calib.txt', 2964, 1988)).toEqual({ calib: { focalPx: 3979.911, baselineM: 0.193001, doffs: 124.343, source: 'calib.txt' }, ndisp: 270, ratio: 1 });
  });

  it('the quarter-size release (741x497) with the full-size file: focal length, doffs and ndisp scale by 1/4, the baseline does not', () => {
    const q = calibForImages(c, 'calib.txt', 741, 497);
    expect(q.ratio).toBe(0.25);
    expect(q.calib).toEqual({ focalPx: 3979.911 / 4, baselineM: 0.193001, doffs: 124.343 / 4, source: 'calib.txt' });
    expect(q.ndisp).toBe(Math.ceil(270 / 4));
    // the depth of a pixel is the same at either size: f * B / (d + doffs) with f, d and doffs all scaled
    const d = 100;
    expect((q.calib.focalPx * q.calib.baselineM) / (d / 4 + q.calib.doffs)).toBeCloseTo((3979.911 * 0.193001) / (d + 124.343), 9);
  });

  it('images of another shape: refused, saying both sizes', () => {
    expect(() => calibForImages(c, 'm/calib.txt', 741, 600)).toThrow('m/calib.txt: it is for 2964x1988 images, but the pair is 741x600 (not the same shape scaled). Give the calib.txt that came with these images');
  });

  it('downscaleCalib divides focal length and doffs by the factor', () => {
    expect(downscaleCalib({ focalPx: 1000, baselineM: 0.2, doffs: 30, source: 's' }, 4)).toEqual({ focalPx: 250, baselineM: 0.2, doffs: 7.5, source: 's' });
  });
});

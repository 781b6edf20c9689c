// A pair's camera calibration, as far as depth needs it: depth (metres) = focalPx * baselineM / (d + doffs),
// with d the left-view disparity in pixels. Read from a Middlebury calib.txt or entered by the user.

export interface StereoCalib {
  /** Focal length in pixels, of the images as loaded (scaled with any downscale). */
  focalPx: number;
  /** Distance between the two cameras' centres, in metres. */
  baselineM: number;
  /** x-difference of the principal points (Middlebury calib.txt doffs = cx1 - cx0), in pixels; 0 when unknown. */
  doffs: number;
  /** Where the numbers came from, for the UI ("calib.txt", "entered"). */
  source: string;
}

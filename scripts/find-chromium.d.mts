export declare const USUAL_PATHS: string[];
export declare function findSystemChromium(): string | undefined;

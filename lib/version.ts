/** The package version, for the tracer and meter; a unit test keeps it equal to package.json's. */
export const PACKAGE_VERSION = '0.3.0';
export const PACKAGE_NAME = 'nestjs-app2wxapp';

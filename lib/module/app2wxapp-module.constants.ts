/** The options given to `forRoot` / `forRootAsync`, as given, inside each pool's module (the default pool exports it). */
export const APP2WXAPP_MODULE_OPTIONS: string | symbol = 'APP2WXAPP_MODULE_OPTIONS';

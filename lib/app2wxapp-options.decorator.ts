import { Inject } from '@nestjs/common';
import { APP2WXAPP_MODULE_OPTIONS } from './app2wxapp.module-definition';

/** Injects the options given to `App2WxappModule.forRoot()` / `forRootAsync()`, as given. */
export const InjectApp2WxappOptions = (): ParameterDecorator & PropertyDecorator => Inject(APP2WXAPP_MODULE_OPTIONS);

/** Display texts of one service (`SingleService.services[]`). */
export interface ServiceInfo {
  name: string;
  snippet: string;
  warning: string;
}

/** The services the sandbox offers, by service id (lower-case, as the API uses them). */
export const SERVICES = {
  facebook: { name: 'Facebook', snippet: 'Facebook and Messenger sign-up', warning: '' },
  instagram: { name: 'Instagram', snippet: 'Instagram sign-up', warning: '' },
  twitter: { name: 'Twitter', snippet: 'Twitter / X sign-up', warning: '' },
  whatsapp: {
    name: 'WhatsApp',
    snippet: 'WhatsApp registration',
    warning: 'WhatsApp may ask for a voice call on some numbers.',
  },
  telegram: { name: 'Telegram', snippet: 'Telegram registration', warning: '' },
  google: { name: 'Google', snippet: 'Google, Gmail and YouTube', warning: '' },
  other: {
    name: 'Any other',
    snippet: 'Any service not listed',
    warning: 'No guarantee that a given service delivers SMS to these numbers.',
  },
} as const satisfies Record<string, ServiceInfo>;

/** A service id the sandbox knows. */
export type ServiceId = keyof typeof SERVICES;

/** True when `id` is a service of {@link SERVICES}. */
export function isServiceId(id: string): id is ServiceId {
  return Object.hasOwn(SERVICES, id);
}

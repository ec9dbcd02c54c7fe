/**
 * The broker server: one process per machine per account, the only thing that calls
 * TempNumber (DESIGN §4). Started by `playwright-tempnumber broker` (which clients spawn on demand).
 */
export { runBroker } from './server.ts';

/** Who is making an authenticated request: a user, through one of their devices. */
export interface Requester {
  userId: string;
  deviceId: string;
}

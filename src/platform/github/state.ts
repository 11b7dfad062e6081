// The names under which the main step keeps, in the step's state, what the post step undoes.

/** The variables exported to later steps (a JSON list of names): the post step sets them empty. */
export const VARIABLES_STATE = 'variables';

/** The clouds' records of the files their hand-overs wrote (a JSON list): the post step removes them. */
export const HANDOVER_STATE = 'handover';

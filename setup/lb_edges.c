#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup/lb_edges.h"

/* The node's edge names, malloc'ed; *n is their number. */
static char **
edge_names(const char *from, rte_node_t *n)
{
	rte_node_t id = rte_node_from_name(from);
	rte_node_t size;
	char **names;

	*n = 0;
	if (id == RTE_NODE_ID_INVALID)
		return NULL;
	size = rte_node_edge_get(id, NULL);
	if (size == 0 || size == RTE_NODE_ID_INVALID)
		return NULL;
	names = malloc(size);
	if (names)
		*n = rte_node_edge_get(id, names);
	return names;
}

rte_edge_t
lb_edge_find(const char *from, const char *to)
{
	rte_edge_t found = RTE_EDGE_ID_INVALID;
	rte_node_t n;
	char **names = edge_names(from, &n);

	for (rte_node_t i = 0; i < n && found == RTE_EDGE_ID_INVALID; i++)
		if (strcmp(names[i], to) == 0)
			found = i;
	free(names);
	return found;
}

bool
lb_edge_all_lead_to(const char *from, const char *to)
{
	rte_node_t n;
	char **names = edge_names(from, &n);
	bool all = n > 0;

	for (rte_node_t i = 0; i < n; i++)
		all = all && strcmp(names[i], to) == 0;
	free(names);
	return all;
}

rte_edge_t
lb_edge_add(const char *from, const char *to)
{
	rte_node_t id = rte_node_from_name(from);
	rte_edge_t e = lb_edge_find(from, to);

	if (e != RTE_EDGE_ID_INVALID || id == RTE_NODE_ID_INVALID)
		return e;
	if (rte_node_edge_update(id, RTE_EDGE_ID_INVALID, &to, 1) == 0)
		return RTE_EDGE_ID_INVALID;
	/* Look it up by name rather than assume it is the last one. */
	return lb_edge_find(from, to);
}

int
lb_edge_redirect_all(const char *from, const char *to)
{
	rte_node_t id = rte_node_from_name(from);
	rte_edge_t count;

	if (id == RTE_NODE_ID_INVALID || rte_node_from_name(to) == RTE_NODE_ID_INVALID)
		return -1;
	count = rte_node_edge_count(id);
	for (rte_edge_t e = 0; e < count; e++)
		if (rte_node_edge_update(id, e, &to, 1) == 0)
			return -1;
	return lb_edge_all_lead_to(from, to) ? 0 : -1;
}

rte_edge_t
lb_edge_add_tx(const char *to)
{
	static const char *const nodes[] = {LB_TX_NODES};
	rte_edge_t e = RTE_EDGE_ID_INVALID;

	for (unsigned i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		rte_edge_t got = lb_edge_add(nodes[i], to);
		if (got == RTE_EDGE_ID_INVALID || (i > 0 && got != e))
			return RTE_EDGE_ID_INVALID;
		e = got;
	}
	return e;
}

/*
 * lsmp's Mach half for the calling task: mach_port_space_info for every
 * name, the receive status of each receive right, and for send rights to
 * kernel objects mach_port_kobject's type. One line per name:
 *   0x<name> <rights> urefs=<n> [qlimit=<q> msgcount=<m>] [kobject=<type>]
 */
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach_debug/ipc_info.h>
#include <stdio.h>
#include <string.h>

static const char *rights_of(mach_port_type_t t, char *buf, size_t n) {
  buf[0] = '\0';
  const struct {
    mach_port_type_t bit;
    const char *name;
  } kinds[] = {{MACH_PORT_TYPE_RECEIVE, "recv"}, {MACH_PORT_TYPE_SEND, "send"}, {MACH_PORT_TYPE_SEND_ONCE, "send-once"},
               {MACH_PORT_TYPE_PORT_SET, "port-set"}, {MACH_PORT_TYPE_DEAD_NAME, "dead-name"}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if (!(t & kinds[i].bit)) continue;
    if (buf[0]) strncat(buf, ",", n - strlen(buf) - 1);
    strncat(buf, kinds[i].name, n - strlen(buf) - 1);
  }
  return buf;
}

static const char *kobject_name(natural_t kotype) {
  switch (kotype) {
    case 1: return "THREAD";
    case 2: return "TASK";
    case 3: return "HOST";
    case 4: return "HOST_PRIV";
    case 5: return "PROCESSOR";
    case 6: return "PSET";
    case 7: return "PSET_NAME";
    case 25: return "CLOCK";
    case 26: return "CLOCK_CTRL";
    case 23: return "SEMAPHORE";
    default: return "OTHER";
  }
}

int main(void) {
  task_t task = mach_task_self();
  ipc_info_space_t space_info;
  ipc_info_name_array_t table;
  mach_msg_type_number_t tableCount;
  ipc_info_tree_name_array_t tree;
  mach_msg_type_number_t treeCount;
  kern_return_t kr = mach_port_space_info(task, &space_info, &table, &tableCount, &tree, &treeCount);
  if (kr != KERN_SUCCESS) {
    fprintf(stderr, "lsmp: mach_port_space_info: %s\n", mach_error_string(kr));
    return 1;
  }
  printf("table size %u, %u entries\n", space_info.iis_table_size, tableCount);
  for (mach_msg_type_number_t i = 0; i < tableCount; i++) {
    ipc_info_name_t *e = &table[i];
    if (e->iin_type == MACH_PORT_TYPE_NONE) continue;
    char rights[64];
    printf("0x%08x %s urefs=%u", e->iin_name, rights_of(e->iin_type, rights, sizeof rights), e->iin_urefs);
    if (e->iin_type & MACH_PORT_TYPE_RECEIVE) {
      mach_port_status_t status;
      mach_msg_type_number_t n = MACH_PORT_RECEIVE_STATUS_COUNT;
      if (mach_port_get_attributes(task, e->iin_name, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&status, &n) == KERN_SUCCESS)
        printf(" qlimit=%u msgcount=%u", status.mps_qlimit, status.mps_msgcount);
    }
    if (e->iin_type & MACH_PORT_TYPE_SEND) {
      natural_t kotype = 0;
      mach_vm_address_t addr = 0;
      if (mach_port_kobject(task, e->iin_name, &kotype, &addr) == KERN_SUCCESS && kotype != 0) printf(" kobject=%s", kobject_name(kotype));
    }
    printf("\n");
  }
  vm_deallocate(task, (vm_address_t)table, tableCount * sizeof *table);
  if (treeCount) vm_deallocate(task, (vm_address_t)tree, treeCount * sizeof *tree);
  return 0;
}
